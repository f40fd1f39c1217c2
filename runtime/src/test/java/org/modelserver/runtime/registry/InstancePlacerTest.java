package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.testsupport.FixedInventory.GIB;
import static org.modelserver.runtime.testsupport.FixedInventory.MIB;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.InstanceGroup;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.registry.InstancePlacer.Fallback;
import org.modelserver.runtime.registry.InstancePlacer.Placement;
import org.modelserver.runtime.testsupport.FixedInventory;

/** Placement arithmetic: which device each instance gets, and whether it fits. */
class InstancePlacerTest {
  private static final DeviceInventory NO_GPU = DeviceInventory.none("no CUDA device: test host");
  private static final Supplier<Optional<String>> CUDA_OK = Optional::empty;
  private static final Supplier<Optional<String>> CPU_BUILD =
      () -> Optional.of("ONNX Runtime in this build has no CUDA execution provider");

  private static ModelConfig config(Map<String, String> parameters, InstanceGroup... groups) {
    return ModelConfig.builder("m").instanceGroups(List.of(groups)).parameters(parameters).build();
  }

  private static ModelConfig config(InstanceGroup... groups) {
    return config(Map.of(InstancePlacer.MEMORY_HINT, Long.toString(100 * MIB)), groups);
  }

  private static Placement place(
      DeviceInventory inventory, Fallback fallback, long reserve, ModelConfig config) {
    return new InstancePlacer(inventory, fallback, reserve)
        .place("m version 1", config, CUDA_OK, 0);
  }

  @Test
  void noInstanceGroupIsOneCpuInstance() {
    Placement placement = place(NO_GPU, Fallback.FAIL, 0, config());
    assertThat(placement.devices()).containsExactly(Device.CPU);
    assertThat(placement.groups()).isEmpty();
    assertThat(placement.note()).isEmpty();
  }

  @Test
  void kindGpuWithoutAGpuFailsByDefaultNamingTheReasonAndTheFallback() {
    assertThatThrownBy(
            () ->
                place(
                    NO_GPU, Fallback.FAIL, 0, config(new InstanceGroup(2, InstanceGroup.KIND_GPU))))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("instance_group[0] asks for KIND_GPU")
        .hasMessageContaining("no CUDA device: test host")
        .hasMessageContaining("--gpu-fallback=cpu");
  }

  @Test
  void kindGpuWithoutAGpuFallsBackToTheCpuWhenAsked() {
    Placement placement =
        place(
            NO_GPU,
            Fallback.CPU,
            0,
            config(
                new InstanceGroup(1, InstanceGroup.KIND_CPU),
                new InstanceGroup(2, InstanceGroup.KIND_GPU, List.of(0, 1))));
    assertThat(placement.devices()).hasSize(5).containsOnly(Device.CPU);
    assertThat(placement.groups()).containsExactly(new InstanceGroup(5, InstanceGroup.KIND_CPU));
    assertThat(placement.note())
        .contains("instance_group[1] KIND_GPU runs on the CPU (--gpu-fallback=cpu)")
        .contains("no CUDA device: test host");
  }

  @Test
  void kindAutoChoosesTheCpuWithoutAGpu() {
    Placement placement =
        place(NO_GPU, Fallback.FAIL, 0, config(new InstanceGroup(3, InstanceGroup.KIND_AUTO)));
    assertThat(placement.devices()).containsExactly(Device.CPU, Device.CPU, Device.CPU);
    assertThat(placement.groups()).containsExactly(new InstanceGroup(3, InstanceGroup.KIND_CPU));
    assertThat(placement.note()).isEmpty();
  }

  @Test
  void kindAutoChoosesTheCpuWhenTheEngineCannotUseCuda() {
    FixedInventory twoGpus = new FixedInventory(2, 80 * GIB, Map.of(0, 40 * GIB, 1, 40 * GIB));
    Placement placement =
        new InstancePlacer(twoGpus, Fallback.FAIL, 0)
            .place(
                "m version 1", config(new InstanceGroup(1, InstanceGroup.KIND_AUTO)), CPU_BUILD, 0);
    assertThat(placement.devices()).containsExactly(Device.CPU);
  }

  @Test
  void kindGpuFailsWhenTheEngineCannotUseCuda() {
    FixedInventory twoGpus = new FixedInventory(2, 80 * GIB, Map.of(0, 40 * GIB, 1, 40 * GIB));
    InstancePlacer placer = new InstancePlacer(twoGpus, Fallback.FAIL, 0);
    ModelConfig config = config(new InstanceGroup(1, InstanceGroup.KIND_GPU));
    assertThatThrownBy(() -> placer.place("m version 1", config, CPU_BUILD, 0))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("no CUDA execution provider");
  }

  @Test
  void kindGpuPutsCountInstancesOnEveryGpuWithoutAList() {
    FixedInventory twoGpus = new FixedInventory(2, 80 * GIB, Map.of(0, 40 * GIB, 1, 40 * GIB));
    Placement placement =
        place(twoGpus, Fallback.FAIL, 0, config(new InstanceGroup(2, InstanceGroup.KIND_GPU)));
    assertThat(placement.devices())
        .containsExactly(Device.gpu(0), Device.gpu(0), Device.gpu(1), Device.gpu(1));
    assertThat(placement.groups())
        .containsExactly(new InstanceGroup(2, InstanceGroup.KIND_GPU, List.of(0, 1)));
  }

  @Test
  void kindGpuWithAListUsesOnlyThoseGpus() {
    FixedInventory threeGpus =
        new FixedInventory(3, 80 * GIB, Map.of(0, 40 * GIB, 1, 40 * GIB, 2, 40 * GIB));
    Placement placement =
        place(
            threeGpus,
            Fallback.FAIL,
            0,
            config(
                new InstanceGroup(1, InstanceGroup.KIND_GPU, List.of(2)),
                new InstanceGroup(1, InstanceGroup.KIND_CPU)));
    assertThat(placement.devices()).containsExactly(Device.gpu(2), Device.CPU);
    assertThat(placement.groups())
        .containsExactly(
            new InstanceGroup(1, InstanceGroup.KIND_CPU),
            new InstanceGroup(1, InstanceGroup.KIND_GPU, List.of(2)));
  }

  @Test
  void aGpuTheHostLacksIsAConfigError() {
    FixedInventory twoGpus = new FixedInventory(2, 80 * GIB, Map.of());
    assertThatThrownBy(
            () ->
                place(
                    twoGpus,
                    Fallback.CPU,
                    0,
                    config(new InstanceGroup(1, InstanceGroup.KIND_GPU, List.of(5)))))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("GPU 5")
        .hasMessageContaining("0..1");
  }

  @Test
  void aModelThatDoesNotFitIsRefusedWithTheNumbers() {
    FixedInventory gpus = new FixedInventory(2, 80 * GIB, Map.of(0, 40 * GIB, 1, GIB));
    ModelConfig config =
        config(
            Map.of(InstancePlacer.MEMORY_HINT, Long.toString(600 * MIB)),
            new InstanceGroup(2, InstanceGroup.KIND_GPU, List.of(1)));
    assertThatThrownBy(() -> place(gpus, Fallback.CPU, 0, config))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("does not fit on cuda:1 (Test GPU 1)")
        .hasMessageContaining("2 instance(s) need 1200.0 MiB")
        .hasMessageContaining("1024.0 MiB is free");
  }

  @Test
  void theReserveIsKeptFree() {
    FixedInventory gpus = new FixedInventory(1, 80 * GIB, Map.of(0, 10 * GIB));
    ModelConfig config =
        config(
            Map.of(InstancePlacer.MEMORY_HINT, Long.toString(GIB)),
            new InstanceGroup(1, InstanceGroup.KIND_GPU));
    assertThat(place(gpus, Fallback.FAIL, 9 * GIB, config).devices())
        .containsExactly(Device.gpu(0));
    assertThatThrownBy(() -> place(gpus, Fallback.FAIL, 9 * GIB + 1, config))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("reserved (--gpu-memory-reserve)");
  }

  @Test
  void withoutAHintTheNeedIsEstimatedFromTheModelFile() {
    FixedInventory gpus = new FixedInventory(1, 80 * GIB, Map.of(0, GIB));
    InstancePlacer placer = new InstancePlacer(gpus, Fallback.FAIL, 0);
    ModelConfig config = config(Map.of(), new InstanceGroup(1, InstanceGroup.KIND_GPU));
    assertThat(placer.place("m version 1", config, CUDA_OK, 512 * MIB).devices())
        .containsExactly(Device.gpu(0));
    assertThatThrownBy(() -> placer.place("m version 1", config, CUDA_OK, 512 * MIB + 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("does not fit on cuda:0");
  }

  @Test
  void withoutNvmlTheTotalMemoryBounds() {
    FixedInventory gpus = new FixedInventory(1, 2 * GIB, Map.of());
    ModelConfig config =
        config(
            Map.of(InstancePlacer.MEMORY_HINT, Long.toString(3 * GIB)),
            new InstanceGroup(1, InstanceGroup.KIND_GPU));
    assertThatThrownBy(() -> place(gpus, Fallback.FAIL, 0, config))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("2048.0 MiB is free");
  }

  @Test
  void aMalformedHintIsAConfigError() {
    FixedInventory gpus = new FixedInventory(1, 80 * GIB, Map.of(0, GIB));
    ModelConfig config =
        config(
            Map.of(InstancePlacer.MEMORY_HINT, "lots"),
            new InstanceGroup(1, InstanceGroup.KIND_GPU));
    assertThatThrownBy(() -> place(gpus, Fallback.FAIL, 0, config))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("gpu_memory_bytes");
  }

  @Test
  void fallbackParsesCpuAndFail() {
    assertThat(Fallback.parse("cpu")).isEqualTo(Fallback.CPU);
    assertThat(Fallback.parse("FAIL")).isEqualTo(Fallback.FAIL);
    assertThatThrownBy(() -> Fallback.parse("gpu")).hasMessageContaining("cpu or fail");
  }
}
