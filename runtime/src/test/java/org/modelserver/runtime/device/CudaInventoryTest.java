package org.modelserver.runtime.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The real inventory on the host the tests run on; CI hosts have no GPU. */
class CudaInventoryTest {
  @Test
  void discoveryNeverThrowsAndExplainsAnEmptyInventory() {
    DeviceInventory inventory = CudaInventory.discover();
    if (inventory.gpus().isEmpty()) {
      assertThat(inventory.unavailableReason()).startsWith("no CUDA device: ");
      assertThat(inventory.usage(0)).isEmpty();
    } else {
      assertThat(inventory.unavailableReason()).isEmpty();
      Gpu first = inventory.gpus().get(0);
      assertThat(first.uuid()).startsWith("GPU-");
      assertThat(first.totalMemoryBytes()).isPositive();
    }
  }

  @Test
  void aHostWithoutTheDriverIsNotAskedAtAll() {
    // Where libcuda.so.1 or /dev/nvidia* is missing, the reason names what is missing.
    CudaInventory.missingDriver()
        .ifPresent(reason -> assertThat(reason).containsAnyOf("libcuda.so.1", "/dev/nvidia"));
  }

  @Test
  void uuidsAreWrittenAsNvidiaSmiWritesThem() {
    byte[] bytes = new byte[16];
    for (int i = 0; i < 16; i++) {
      bytes[i] = (byte) (0xa0 + i);
    }
    assertThat(CudaInventory.formatUuid(bytes))
        .isEqualTo("GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
  }
}
