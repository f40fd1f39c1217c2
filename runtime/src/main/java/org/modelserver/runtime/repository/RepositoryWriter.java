package org.modelserver.runtime.repository;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.error.ServingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places staged uploads into a model repository so that a scan never sees a half-written version: a
 * new model folder arrives by one rename, each version folder by one rename, and each top-level
 * file by one replacing rename. Uploads are staged in {@link #stagingRoot()}, inside the repository
 * so that these renames stay on one file system, and hidden so that scans skip it.
 *
 * <p>Every install is journaled: before anything moves, the undo of the move is appended to a
 * journal in the install's work folder and forced to disk; backups are complete before they are
 * named in it. Committing deletes the journal. At start, {@link #recoverInterrupted()} rolls back
 * every install whose journal is still there (a crash or kill -9 before commit): placed files are
 * taken out and the backups put back, so a version that was replaced but never validated is the old
 * one again, and a half-published version is gone.
 *
 * <p>Installs, rollbacks and commits of one writer run one at a time; use one writer per
 * repository.
 */
public final class RepositoryWriter {
  private static final Logger log = LoggerFactory.getLogger(RepositoryWriter.class);
  private static final String STAGING = ".staging";

  private final Path root;
  private final Path stagingRoot;
  private final Object lock = new Object();

  public RepositoryWriter(Path repositoryRoot) {
    this.root = repositoryRoot.toAbsolutePath().normalize();
    this.stagingRoot = root.resolve(STAGING);
  }

  /** Where uploads are staged: {@code <root>/.staging}. */
  public Path stagingRoot() {
    return stagingRoot;
  }

  /**
   * Rolls back every install a crash left uncommitted (its journal is still there), then deletes
   * what else the staging root holds: uploads never installed and committed installs' leftovers.
   * Call it at startup, before the repository is scanned and before any upload is staged.
   *
   * @return one line per install rolled back, for the log
   * @throws ServingException INTERNAL when the staging root cannot be read or cleared; an install
   *     that cannot be rolled back is kept with its journal for the next start
   */
  public List<String> recoverInterrupted() {
    synchronized (lock) {
      List<String> recovered = new ArrayList<>();
      if (!Files.isDirectory(stagingRoot, LinkOption.NOFOLLOW_LINKS)) {
        return recovered;
      }
      boolean kept = false;
      try (var folders = Files.list(stagingRoot)) {
        for (Path folder : folders.toList()) {
          if (InstallJournal.isIn(folder)) {
            try {
              recovered.add(InstallJournal.rollBack(root, folder));
            } catch (IOException | RuntimeException e) {
              log.error("cannot roll back the interrupted install in {}: {}", folder, e.toString());
              kept = true;
              continue;
            }
          }
          FileTrees.deleteRecursively(folder);
        }
        if (!kept) {
          FileTrees.deleteRecursively(stagingRoot);
        }
      } catch (IOException e) {
        throw ServingException.internal("cannot clear the staging folder " + stagingRoot, e);
      }
      return recovered;
    }
  }

  /**
   * Moves an upload's content into {@code <root>/<model>}. Every conflict is checked before
   * anything changes. The returned installation must be committed (dropping the backups) or rolled
   * back (restoring the repository as it was).
   *
   * @param replaceExistingVersions whether a version the model already has is replaced (its folder
   *     is kept as a backup until commit) rather than refused
   * @throws ServingException CONFLICT for a version that exists when replacing is not allowed, or
   *     for a path in the way that is not what the upload would replace; INTERNAL when the file
   *     system fails (whatever had changed is restored first)
   */
  public Installation install(ModelUpload upload, boolean replaceExistingVersions) {
    synchronized (lock) {
      Path modelDir = root.resolve(upload.modelName());
      if (!Files.exists(modelDir, LinkOption.NOFOLLOW_LINKS)) {
        return createModel(upload, modelDir);
      }
      checkConflicts(upload, modelDir, replaceExistingVersions);
      Installation installation =
          new Installation(newWorkFolder(), upload.versions(), upload.modelName());
      try {
        for (Path file : upload.topLevelFiles()) {
          installation.placeFile(file, modelDir.resolve(file.getFileName().toString()));
        }
        if (upload.config().isPresent()) {
          // The uploaded config replaces the model's, whichever file name that one has.
          String uploaded = upload.config().get().getFileName().toString();
          for (String name : ModelConfigParser.CONFIG_FILES) {
            Path otherConfig = modelDir.resolve(name);
            if (!name.equals(uploaded) && Files.exists(otherConfig, LinkOption.NOFOLLOW_LINKS)) {
              installation.moveAside(otherConfig);
            }
          }
        }
        for (long version : upload.versions()) {
          installation.placeVersion(
              upload.versionDir(version), modelDir.resolve(Long.toString(version)));
        }
      } catch (IOException | RuntimeException e) {
        ServingException failure =
            ServingException.internal(
                "cannot install the upload of model " + upload.modelName() + ": " + e, e);
        try {
          installation.rollback();
        } catch (RuntimeException rollbackFailure) {
          failure.addSuppressed(rollbackFailure);
        }
        throw failure;
      }
      return installation;
    }
  }

  private Installation createModel(ModelUpload upload, Path modelDir) {
    Installation installation =
        new Installation(newWorkFolder(), upload.versions(), upload.modelName());
    try {
      installation.placeFolder(upload.dir(), modelDir);
    } catch (IOException e) {
      installation.rollback();
      throw ServingException.internal(
          "cannot move the upload of model " + upload.modelName() + " into the repository", e);
    }
    return installation;
  }

  private static void checkConflicts(ModelUpload upload, Path modelDir, boolean replace) {
    String name = upload.modelName();
    if (!Files.isDirectory(modelDir, LinkOption.NOFOLLOW_LINKS)) {
      throw ServingException.conflict(
          "the repository holds '"
              + name
              + "', which is not a model folder (a file or a link); remove it or upload under"
              + " another model name");
    }
    for (Path file : upload.topLevelFiles()) {
      String fileName = file.getFileName().toString();
      if (Files.isDirectory(modelDir.resolve(fileName), LinkOption.NOFOLLOW_LINKS)) {
        throw ServingException.conflict(
            "model "
                + name
                + " has a folder named "
                + fileName
                + ", which the uploaded file "
                + fileName
                + " cannot replace; remove the folder or rename the file");
      }
    }
    if (replace) {
      return;
    }
    for (long version : upload.versions()) {
      if (Files.exists(modelDir.resolve(Long.toString(version)), LinkOption.NOFOLLOW_LINKS)) {
        throw ServingException.conflict(
            "model " + name + " already has version " + version + "; upload a new version number");
      }
    }
  }

  private Path newWorkFolder() {
    try {
      Files.createDirectories(stagingRoot);
      return Files.createTempDirectory(stagingRoot, "install-");
    } catch (IOException e) {
      throw ServingException.internal("cannot create a folder in " + stagingRoot, e);
    }
  }

  /**
   * The changes one install made, each with its undo, and the backups of what it replaced. {@link
   * #commit()} keeps the changes; {@link #rollback()} undoes them. Either one ends the
   * installation: calling either again does nothing.
   */
  public final class Installation {
    private final Path work;
    private final InstallJournal journal;
    private final SortedSet<Long> versions;
    private final Deque<Undo> undos = new ArrayDeque<>();
    private final Set<Path> touchedFolders = new java.util.LinkedHashSet<>();
    private int moved;
    private boolean finished;

    private Installation(Path work, Set<Long> versions, String model) {
      this.work = work;
      this.versions = Collections.unmodifiableSortedSet(new TreeSet<>(versions));
      try {
        this.journal = InstallJournal.begin(work, model);
      } catch (IOException e) {
        throw ServingException.internal("cannot write the install journal in " + work, e);
      }
    }

    private String relative(Path target) {
      return root.relativize(target).toString();
    }

    /** The versions placed into the repository. */
    public Set<Long> versions() {
      return versions;
    }

    /** Keeps the changes and deletes the backups. */
    public void commit() {
      synchronized (lock) {
        if (finished) {
          return;
        }
        finished = true;
        undos.clear();
        // The moves are on disk before the journal that could undo them goes.
        touchedFolders.forEach(FileTrees::syncDirectory);
        try {
          journal.commit();
        } catch (IOException e) {
          // Rare (the folder was writable a moment ago), and loud: the next start would undo it.
          throw ServingException.internal(
              "the install is in place but its journal in "
                  + work
                  + " could not be deleted, so the next start would roll it back; delete the"
                  + " journal by hand",
              e);
        }
        try {
          FileTrees.deleteRecursively(work);
        } catch (IOException e) {
          // Leftovers lie in the staging root, which is cleared at the next startup.
          log.warn("cannot delete the backups in {}: {}", work, e.toString());
        }
      }
    }

    /**
     * Restores the repository as it was before the install: placed folders and files are taken out,
     * and what they replaced is put back.
     *
     * @throws ServingException INTERNAL when something could not be restored; the backups are then
     *     kept in the staging root
     */
    public void rollback() {
      synchronized (lock) {
        if (finished) {
          return;
        }
        finished = true;
        List<String> failures = new ArrayList<>();
        while (!undos.isEmpty()) {
          Undo undo = undos.pop();
          try {
            undo.run();
          } catch (IOException | RuntimeException e) {
            failures.add(e.toString());
          }
        }
        touchedFolders.forEach(FileTrees::syncDirectory);
        if (!failures.isEmpty()) {
          // The journal stays: the next start tries again.
          throw ServingException.internal(
              "cannot fully restore the repository; backups are kept in "
                  + work
                  + ": "
                  + String.join("; ", failures),
              null);
        }
        try {
          FileTrees.deleteRecursively(work);
        } catch (IOException e) {
          log.warn("cannot delete {} after a rollback: {}", work, e.toString());
        }
      }
    }

    /** Moves a complete folder to a place that does not exist yet, in one rename. */
    private void placeFolder(Path source, Path target) throws IOException {
      journal.remove(relative(target));
      touchedFolders.add(target.getParent());
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
      undos.push(() -> removeAtomically(target));
    }

    /** Replaces (or adds) a file in one rename, keeping a copy of what it replaced. */
    private void placeFile(Path source, Path target) throws IOException {
      touchedFolders.add(target.getParent());
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        journal.remove(relative(target));
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        undos.push(() -> Files.deleteIfExists(target));
        return;
      }
      // A copy, not a rename, so that the target never disappears while it is replaced. The copy
      // is complete and on disk before the journal names it.
      Path backup = nextBackup();
      Path partial = backup.resolveSibling(backup.getFileName() + ".part");
      Files.copy(target, partial, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(partial, backup, StandardCopyOption.ATOMIC_MOVE);
      journal.restore(work.relativize(backup).toString(), relative(target));
      Files.move(
          source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      undos.push(
          () ->
              Files.move(
                  backup,
                  target,
                  StandardCopyOption.ATOMIC_MOVE,
                  StandardCopyOption.REPLACE_EXISTING));
    }

    /** Places a version folder, first moving aside the one it replaces. */
    private void placeVersion(Path source, Path target) throws IOException {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        moveAside(target);
      }
      placeFolder(source, target);
    }

    /** Moves a file or folder out of the repository into the backups, in one rename. */
    private void moveAside(Path path) throws IOException {
      Path backup = nextBackup();
      journal.restore(work.relativize(backup).toString(), relative(path));
      touchedFolders.add(path.getParent());
      Files.move(path, backup, StandardCopyOption.ATOMIC_MOVE);
      undos.push(() -> Files.move(backup, path, StandardCopyOption.ATOMIC_MOVE));
    }

    /** Takes a file or folder out of the repository in one rename, then deletes it. */
    private void removeAtomically(Path path) throws IOException {
      Path removed = nextBackup();
      Files.move(path, removed, StandardCopyOption.ATOMIC_MOVE);
      FileTrees.deleteRecursively(removed);
    }

    private Path nextBackup() {
      moved++;
      return work.resolve(Integer.toString(moved));
    }
  }

  @FunctionalInterface
  private interface Undo {
    void run() throws IOException;
  }
}
