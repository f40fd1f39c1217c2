package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code protection:} section of config.yaml. */
class ProtectionTest {
  private final ModelConfigParser parser = new ModelConfigParser();

  private ModelConfig parse(String yaml) {
    return parser.parse("m", yaml, false, "config.yaml");
  }

  @Test
  void absentFieldsInheritTheServersDefaults() {
    Protection own =
        parse(
                "protection:\n  max_concurrent_requests: 8\n  rate_limit: {requests_per_second: 5}\n"
                    + "  circuit_breaker: {wait_in_open_state_ms: 1500}\n")
            .protection();
    Protection defaults = new Protection(150, 0, 0, 0, 50, 20, 100, 10_000, 5);
    Protection merged = own.orDefaults(defaults);
    assertThat(merged).isEqualTo(new Protection(8, 0, 5, 0, 50, 20, 100, 1500, 5));
    assertThat(merged.effectiveBurst()).isEqualTo(5);
    assertThat(merged.isComplete()).isTrue();
    assertThat(own.isComplete()).isFalse();
  }

  @Test
  void aConfigWithoutTheSectionInheritsEverything() {
    assertThat(parse("max_batch_size: 0\n").protection()).isEqualTo(Protection.INHERIT);
  }

  @Test
  void unknownKeysAndBadValuesAreRefusedByName() {
    assertThatThrownBy(() -> parse("protection: {max_concurent_requests: 1}\n"))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("max_concurent_requests")
        .hasMessageContaining("max_concurrent_requests");
    assertThatThrownBy(() -> parse("protection: {rate_limit: {rps: 1}}\n"))
        .hasMessageContaining("rps")
        .hasMessageContaining("requests_per_second");
    assertThatThrownBy(
            () -> parse("protection: {circuit_breaker: {failure_rate_threshold: 150}}\n"))
        .hasMessageContaining("1..100");
    assertThatThrownBy(() -> parse("protection: {max_concurrent_requests: -3}\n"))
        .isInstanceOf(ModelConfigException.class);
  }

  @Test
  void theCompleterAppliesTheDefaultQueueSizeOnlyWhereTheConfigIsSilent() {
    ModelConfig silent = parse("dynamic_batching: {}\n");
    ModelConfig explicit = parse("dynamic_batching: {default_queue_policy: {max_queue_size: 0}}\n");
    assertThat(
            silent
                .dynamicBatching()
                .orElseThrow()
                .withDefaultQueueSize(256)
                .defaultQueuePolicy()
                .maxQueueSize())
        .isEqualTo(256);
    assertThat(
            explicit
                .dynamicBatching()
                .orElseThrow()
                .withDefaultQueueSize(256)
                .defaultQueuePolicy()
                .maxQueueSize())
        .isZero();
  }
}
