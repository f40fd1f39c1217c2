package org.modelserver.server.metrics;

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
