package org.modelserver.server.metrics;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Micrometer registry behind the JVM and process part of {@code /metrics}. Created here rather
 * than by Spring Boot's actuator, so that nothing else is exposed.
 */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

  @Bean(destroyMethod = "close")
  PrometheusMeterRegistry prometheusMeterRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Spring Boot binds Tomcat's session metrics to any registry it finds; a REST API has no
    // sessions, so they would only be noise
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("tomcat."));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmCompilationMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return registry;
  }

  /**
   * Admission control in {@code /metrics}: each model version's circuit breaker and bulkhead
   * (tagged with model and version, removed when the version retires) and the server's in-flight
   * byte budget.
   */
  @Bean
  AdmissionMetrics admissionMetrics(
      PrometheusMeterRegistry registry,
      CircuitBreakerRegistry breakers,
      BulkheadRegistry bulkheads,
      Guards guards) {
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
    Gauge.builder("modelserver.inflight.bytes", guards, Guards::inflightBytes)
        .description("Bytes held by requests in flight (bodies and decoded tensors)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("modelserver.inflight.limit", guards, Guards::inflightBytesLimit)
        .description("The server-wide in-flight byte budget (--max-inflight-bytes)")
        .baseUnit("bytes")
        .register(registry);
    return new AdmissionMetrics();
  }

  /** Triton's summary latencies, fed by the inference path. */
  @Bean
  LatencySummaries latencySummaries(PrometheusMeterRegistry registry, ModelRegistry models) {
    return new LatencySummaries(registry, models);
  }

  /** Marks that admission metrics are bound. */
  record AdmissionMetrics() {}

  /** The binders that listen for GC notifications, unsubscribed at shutdown. */
  @Bean(destroyMethod = "close")
  GcMetrics gcMetrics(PrometheusMeterRegistry registry) {
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
    heapPressure.bindTo(registry);
    return new GcMetrics(gc, heapPressure);
  }

  /** Holds the GC-listening binders until shutdown. */
  record GcMetrics(JvmGcMetrics gc, JvmHeapPressureMetrics heapPressure) {
    void close() {
      gc.close();
      heapPressure.close();
    }
  }
}
