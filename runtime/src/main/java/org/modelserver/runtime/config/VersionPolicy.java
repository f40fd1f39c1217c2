package org.modelserver.runtime.config;

import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Which of a model's versions are loaded, with Triton's {@code version_policy} meanings. */
public sealed interface VersionPolicy {

  /** The versions, among those present, that this policy loads. */
  SortedSet<Long> select(SortedSet<Long> present);

  /** Triton's default: the newest version only. */
  static VersionPolicy defaultPolicy() {
    return new Latest(1);
  }

  /** The {@code numVersions} highest-numbered versions. */
  record Latest(int numVersions) implements VersionPolicy {
    public Latest {
      if (numVersions < 1) {
        throw new IllegalArgumentException("latest.num_versions must be at least 1");
      }
    }

    @Override
    public SortedSet<Long> select(SortedSet<Long> present) {
      NavigableSet<Long> chosen = new TreeSet<>();
      for (Long version : new TreeSet<>(present).descendingSet()) {
        if (chosen.size() == numVersions) {
          break;
        }
        chosen.add(version);
      }
      return chosen;
    }
  }

  /** Every version present. */
  record All() implements VersionPolicy {
    @Override
    public SortedSet<Long> select(SortedSet<Long> present) {
      return new TreeSet<>(present);
    }
  }

  /** Exactly the listed versions that are present. */
  record Specific(Set<Long> versions) implements VersionPolicy {
    public Specific {
      versions = Set.copyOf(versions);
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("specific.versions must list at least one version");
      }
    }

    @Override
    public SortedSet<Long> select(SortedSet<Long> present) {
      SortedSet<Long> chosen = new TreeSet<>(present);
      chosen.retainAll(versions);
      return chosen;
    }

    public List<Long> sorted() {
      return List.copyOf(new TreeSet<>(versions));
    }
  }
}
