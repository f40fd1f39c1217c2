package org.modelserver.runtime.train.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.testsupport.FixedInventory.GIB;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.testsupport.FixedInventory;

class TrainingDevicesTest {
  private static final DeviceInventory NO_GPU = DeviceInventory.none("no CUDA device: test host");
  private static final DeviceInventory TWO_GPUS = new FixedInventory(2, 80 * GIB, Map.of());

  @Test
  void withoutAGpuAutoIsTheCpuAndCudaIsRefusedWithTheReason() {
    TrainingDevices devices = TrainingDevices.of(NO_GPU, Optional::empty);
    assertThat(devices.choose("auto")).isEqualTo("cpu");
    assertThat(devices.choose("cpu")).isEqualTo("cpu");
    assertThatThrownBy(() -> devices.choose("cuda:0"))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("'device' is 'cuda:0'")
        .hasMessageContaining("no CUDA device: test host");
  }

  @Test
  void withGpusAutoIsTheFirstAndCudaNIsChecked() {
    TrainingDevices devices = TrainingDevices.of(TWO_GPUS, Optional::empty);
    assertThat(devices.choose("auto")).isEqualTo("cuda:0");
    assertThat(devices.choose("cuda:1")).isEqualTo("cuda:1");
    assertThatThrownBy(() -> devices.choose("cuda:2")).hasMessageContaining("cuda:0..cuda:1");
  }

  @Test
  void aLibtorchWithoutCudaTrainsOnTheCpu() {
    TrainingDevices devices =
        TrainingDevices.of(TWO_GPUS, () -> Optional.of("libtorch in this build has no CUDA"));
    assertThat(devices.choose("auto")).isEqualTo("cpu");
    assertThatThrownBy(() -> devices.choose("cuda:0")).hasMessageContaining("has no CUDA");
  }
}
