package org.modelserver.server.metrics;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.modelserver.runtime.testsupport.FixedInventory;

/** The names of the Triton metric families {@code /metrics} can write, for tests elsewhere. */
public final class ExportedMetricNames {
  private ExportedMetricNames() {}

  /** Every {@code nv_*} family: the per-model ones, and the GPU ones of a host with a GPU. */
  public static Set<String> tritonFamilies() {
    StringBuilder out = new StringBuilder();
    TritonMetrics.write(java.util.List.of(), out);
    GpuMetrics.write(new FixedInventory(1, FixedInventory.GIB, Map.of()), out);
    Set<String> names = new TreeSet<>();
    out.toString()
        .lines()
        .filter(line -> line.startsWith("# TYPE "))
        .forEach(line -> names.add(line.split(" ")[2]));
    return names;
  }
}
