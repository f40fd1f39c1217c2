package org.modelserver.runtime.train.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The training folder: one small JSON record per job in {@code jobs/} (written to a temporary file
 * and renamed, so a record is always whole), and each running job's private files in {@code
 * work/<id>/}.
 */
final class JobStore {
  private static final Logger log = LoggerFactory.getLogger(JobStore.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final String SUFFIX = ".json";

  private final Path jobs;
  private final Path work;

  JobStore(Path trainingDir) {
    Path root = trainingDir.toAbsolutePath().normalize();
    this.jobs = root.resolve("jobs");
    this.work = root.resolve("work");
  }

  /**
   * Removes the work folders of jobs that were running when the server stopped, and reads every
   * record; unreadable records are logged and skipped. Creates nothing: a server that never trains
   * writes nothing into the repository.
   */
  List<JobRecord> open() {
    if (!Files.isDirectory(jobs.getParent())) {
      return List.of();
    }
    try {
      FileTrees.deleteRecursively(work);
      Files.createDirectories(jobs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the training folder " + jobs.getParent(), e);
    }
    List<JobRecord> records = new ArrayList<>();
    try (Stream<Path> files = Files.list(jobs)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) {
          // A record write the server did not finish: the previous record is still in place.
          Files.deleteIfExists(file);
        } else if (name.endsWith(SUFFIX)) {
          try {
            records.add(JobJson.read(JSON.readTree(Files.readAllBytes(file))));
          } catch (JacksonException | IllegalArgumentException | java.time.DateTimeException e) {
            log.warn("Skipping the unreadable training job record {}: {}", file, e.getMessage());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the training job records in " + jobs, e);
    }
    return records;
  }

  /**
   * Creates the folders before the first job.
   *
   * @throws ServingException UNAVAILABLE when they cannot be created
   */
  void prepare() {
    try {
      Files.createDirectories(jobs);
      Files.createDirectories(work);
    } catch (IOException e) {
      throw ServingException.unavailable(
          "fine-tuning needs a writable training folder, and "
              + jobs.getParent()
              + " cannot be created ("
              + e
              + "); set --training-dir to a writable folder");
    }
  }

  /** Replaces the job's record atomically and durably. */
  void save(JobRecord job) {
    Path target = jobs.resolve(job.id() + SUFFIX);
    try {
      // Forced to disk before and after the rename: a power loss keeps the old record or the new.
      FileTrees.writeAtomically(target, JSON.writeValueAsBytes(JobJson.of(job)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the training job record " + target, e);
    }
  }

  void delete(String id) {
    try {
      Files.deleteIfExists(jobs.resolve(id + SUFFIX));
    } catch (IOException e) {
      log.warn("Could not delete the training job record of {}", id, e);
    }
  }

  /** The job's private folder (not created). */
  Path workDir(String id) {
    return work.resolve(id);
  }

  /** Deletes a job's private folder; failures are logged, the next start retries. */
  void deleteWork(String id) {
    try {
      FileTrees.deleteRecursively(workDir(id));
    } catch (IOException e) {
      log.warn("Could not delete the work folder of training job {}", id, e);
    }
  }
}
