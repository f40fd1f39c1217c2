package org.modelserver.runtime.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * What shadow traffic found since the server started, per model, answering version and shadow
 * version: how many requests were mirrored, dropped and failed, and per output how the shadow's
 * outputs agree with the answering version's. Counters only grow; thread-safe and lock-free.
 */
public final class ShadowStats {
  /** How a request chosen for mirroring ended. */
  public enum Outcome {
    /** The shadow version answered and its outputs were compared. */
    MIRRORED,
    /** There was no room: the shadow's queue, the shadow backlog or the byte budgets were full. */
    DROPPED,
    /** The shadow version refused or failed the request, or was not ready. */
    FAILED
  }

  private record Key(String model, long version, long shadowVersion) implements Comparable<Key> {
    @Override
    public int compareTo(Key other) {
      int byModel = model.compareTo(other.model);
      if (byModel != 0) {
        return byModel;
      }
      int byVersion = Long.compare(version, other.version);
      return byVersion != 0 ? byVersion : Long.compare(shadowVersion, other.shadowVersion);
    }
  }

  private final ConcurrentSkipListMap<Key, Pair> pairs = new ConcurrentSkipListMap<>();

  Pair pair(String model, long version, long shadowVersion) {
    return pairs.computeIfAbsent(new Key(model, version, shadowVersion), key -> new Pair());
  }

  /** Every pair's figures, by model, version and shadow version. */
  public List<PairReport> reports() {
    List<PairReport> reports = new ArrayList<>();
    pairs.forEach((key, pair) -> reports.add(pair.report(key)));
    return reports;
  }

  /** The model's figures, by version and shadow version. */
  public List<PairReport> reports(String model) {
    return reports().stream().filter(report -> report.model().equals(model)).toList();
  }

  /** The counters of one answering version and its shadow. */
  static final class Pair {
    private final LongAdder[] outcomes = new LongAdder[Outcome.values().length];
    private final Map<String, OutputStats> outputs = new ConcurrentSkipListMap<>();

    Pair() {
      for (int i = 0; i < outcomes.length; i++) {
        outcomes[i] = new LongAdder();
      }
    }

    void count(Outcome outcome) {
      outcomes[outcome.ordinal()].increment();
    }

    void compared(String output, OutputComparison comparison) {
      outputs.computeIfAbsent(output, name -> new OutputStats()).add(comparison);
    }

    PairReport report(Key key) {
      List<OutputReport> reports = new ArrayList<>();
      outputs.forEach((name, stats) -> reports.add(stats.report(name)));
      return new PairReport(
          key.model(),
          key.version(),
          key.shadowVersion(),
          outcomes[Outcome.MIRRORED.ordinal()].sum(),
          outcomes[Outcome.DROPPED.ordinal()].sum(),
          outcomes[Outcome.FAILED.ordinal()].sum(),
          reports);
    }
  }

  private static final class OutputStats {
    private final LongAdder compared = new LongAdder();
    private final LongAdder shapeMismatches = new LongAdder();
    private final LongAdder differenced = new LongAdder();
    private final DoubleAccumulator maxAbsDiff = new DoubleAccumulator(Math::max, 0);
    private final DoubleAdder requestMaxSum = new DoubleAdder();
    private final LongAdder rows = new LongAdder();
    private final LongAdder agreeingRows = new LongAdder();

    void add(OutputComparison comparison) {
      if (!comparison.shapesMatch()) {
        shapeMismatches.increment();
        return;
      }
      compared.increment();
      if (!Double.isNaN(comparison.maxAbsDiff())) {
        differenced.increment();
        maxAbsDiff.accumulate(comparison.maxAbsDiff());
        requestMaxSum.add(comparison.maxAbsDiff());
      }
      rows.add(comparison.rows());
      agreeingRows.add(comparison.agreeingRows());
    }

    OutputReport report(String name) {
      long withDiff = differenced.sum();
      return new OutputReport(
          name,
          compared.sum(),
          shapeMismatches.sum(),
          withDiff == 0 ? OptionalDouble.empty() : OptionalDouble.of(maxAbsDiff.get()),
          withDiff == 0
              ? OptionalDouble.empty()
              : OptionalDouble.of(requestMaxSum.sum() / withDiff),
          rows.sum(),
          agreeingRows.sum());
    }
  }

  /**
   * One answering version and its shadow.
   *
   * @param mirrored requests the shadow answered and whose outputs were compared
   * @param dropped requests not mirrored for lack of room
   * @param failed requests the shadow refused or failed
   */
  public record PairReport(
      String model,
      long version,
      long shadowVersion,
      long mirrored,
      long dropped,
      long failed,
      List<OutputReport> outputs) {
    public PairReport {
      outputs = List.copyOf(outputs);
    }

    public Optional<OutputReport> output(String name) {
      return outputs.stream().filter(output -> output.name().equals(name)).findFirst();
    }
  }

  /**
   * One output's agreement.
   *
   * @param compared responses compared (same data type and shape)
   * @param shapeMismatches responses whose data type or shape differed
   * @param maxAbsDiff the largest absolute difference of any element; empty for BYTES or before any
   *     comparison
   * @param meanMaxAbsDiff the mean over responses of each one's largest absolute difference
   * @param rows rows compared (along the last dimension)
   * @param agreeingRows rows whose arg-max agreed (BYTES: whose elements were equal)
   */
  public record OutputReport(
      String name,
      long compared,
      long shapeMismatches,
      OptionalDouble maxAbsDiff,
      OptionalDouble meanMaxAbsDiff,
      long rows,
      long agreeingRows) {
    /** The share of rows whose arg-max agreed; empty before any row was compared. */
    public OptionalDouble argmaxAgreement() {
      return rows == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) agreeingRows / rows);
    }
  }
}
