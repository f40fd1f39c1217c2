package org.modelserver.runtime.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictJson;

class RolloutPolicyTest {
  private static RolloutPolicy read(String json) {
    return RolloutPolicy.fromJson(StrictJson.json().readTree(json));
  }

  @Test
  void fillsInTheDefaults() {
    RolloutPolicy policy = read("{\"canary\": \"3\"}");
    assertThat(policy.canary()).isEqualTo(3);
    assertThat(policy.baseline()).isEmpty();
    assertThat(policy.steps()).containsExactly(10, 50);
    assertThat(policy.minRequests()).isEqualTo(RolloutPolicy.DEFAULT_MIN_REQUESTS);
    assertThat(policy.maxP99Ratio()).isEqualTo(RolloutPolicy.DEFAULT_MAX_P99_RATIO);
  }

  @Test
  void writesWhatItReads() {
    RolloutPolicy policy =
        read(
            "{\"baseline\": 1, \"canary\": 2, \"steps\": [5, 25, 75], \"min_requests\": 7,"
                + " \"window_seconds\": 9, \"step_seconds\": 0, \"max_error_rate_increase\": 2.5,"
                + " \"max_p99_ratio\": 3, \"p99_slack_ms\": 0.5}");
    assertThat(RolloutPolicy.fromJson(policy.toJson())).isEqualTo(policy);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{}|needs field 'canary'",
        "{\"canary\": 0}|'canary' must be a version number",
        "{\"canary\": \"x\"}|'canary' must be a version number",
        "{\"canary\": 2, \"baseline\": 2}|must be different versions, both are 2",
        "{\"canary\": 2, \"steps\": [50, 10]}|rising whole percentages",
        "{\"canary\": 2, \"steps\": [100]}|from 1 to 99",
        "{\"canary\": 2, \"steps\": []}|'steps' must be 1 to 10",
        "{\"canary\": 2, \"min_requests\": 0}|'min_requests' must be a whole number from 1",
        "{\"canary\": 2, \"max_p99_ratio\": 0.5}|'max_p99_ratio' must be a number from 1",
        "{\"canary\": 2, \"max_error_rate_increase\": \"1\"}|'max_error_rate_increase' must be",
        "{\"canary\": 2, \"colour\": 1}|unknown field 'colour'; expected one of baseline, canary",
      })
  void refusesBadPoliciesNamingTheField(String json, String message) {
    assertThatThrownBy(() -> read(json))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining(message);
  }
}
