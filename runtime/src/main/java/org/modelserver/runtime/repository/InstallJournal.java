package org.modelserver.runtime.repository;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intent log of one install ({@link RepositoryWriter.Installation}): a file in the install's
 * work folder whose first line names the model and whose every further line is the undo of one
 * move, appended and forced to disk before the move happens. Deleting it commits the install. At
 * start, {@link #rollBack} undoes a journal a crash left behind, newest entry first; each undo
 * checks whether its move happened, so replaying it again (a crash during recovery) is harmless.
 */
final class InstallJournal {
  private static final Logger log = LoggerFactory.getLogger(InstallJournal.class);
  private static final String FILE = "journal";
  private static final String REMOVE = "remove";
  private static final String RESTORE = "restore";

  private final Path work;
  private final Path file;

  private InstallJournal(Path work) {
    this.work = work;
    this.file = work.resolve(FILE);
  }

  /** Starts the journal of an install whose backups go in {@code work}. */
  static InstallJournal begin(Path work, String model) throws IOException {
    InstallJournal journal = new InstallJournal(work);
    journal.append(model);
    FileTrees.syncDirectory(work);
    return journal;
  }

  /** Before placing something where nothing was: its undo removes {@code target}. */
  void remove(String target) throws IOException {
    append(REMOVE + "\t" + target);
  }

  /**
   * Before moving {@code target} aside to {@code backup} (a complete copy, or the moved original):
   * its undo puts the backup back.
   */
  void restore(String backup, String target) throws IOException {
    append(RESTORE + "\t" + backup + "\t" + target);
  }

  /** Commits the install: with the journal gone, nothing will undo it. */
  void commit() throws IOException {
    Files.deleteIfExists(file);
    FileTrees.syncDirectory(work);
  }

  private void append(String line) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
  }

  /** Whether an install's work folder still holds its journal: the install was not committed. */
  static boolean isIn(Path work) {
    return Files.isRegularFile(work.resolve(FILE), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Undoes an uncommitted install of the repository at {@code root}, then deletes its journal.
   *
   * @return what was undone, for the log
   */
  static String rollBack(Path root, Path work) throws IOException {
    Path file = work.resolve(FILE);
    List<String> lines = Files.readAllLines(file);
    String model = lines.isEmpty() ? "?" : lines.get(0);
    List<String> undone = new ArrayList<>();
    for (int i = lines.size() - 1; i >= 1; i--) {
      String[] fields = lines.get(i).split("\t", -1);
      if (fields[0].equals(REMOVE) && fields.length == 2) {
        Path target = inside(root, fields[1]);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          discard(target, work.resolve("recovered-" + i));
          undone.add("removed " + fields[1]);
        }
      } else if (fields[0].equals(RESTORE) && fields.length == 3) {
        Path backup = inside(work, fields[1]);
        Path target = inside(root, fields[2]);
        if (Files.exists(backup, LinkOption.NOFOLLOW_LINKS)) {
          if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            discard(target, work.resolve("recovered-" + i));
          }
          Files.move(
              backup, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          FileTrees.syncDirectory(target.getParent());
          undone.add("restored " + fields[2]);
        }
      } else if (!lines.get(i).isEmpty()) {
        // A torn last line: its move never started, since a move follows its forced entry.
        log.warn("ignoring an unreadable journal entry in {}: {}", work, lines.get(i));
      }
    }
    Files.delete(file);
    FileTrees.syncDirectory(work);
    return "model " + model + ": " + (undone.isEmpty() ? "nothing had moved" : undone);
  }

  /** Takes a path out of the repository in one rename, then deletes it. */
  private static void discard(Path target, Path aside) throws IOException {
    Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
    FileTrees.syncDirectory(target.getParent());
    FileTrees.deleteRecursively(aside);
  }

  /** A journal's relative path, which must stay inside {@code base} (never the staging root). */
  private static Path inside(Path base, String relative) {
    Path path = base.resolve(relative).normalize();
    if (!path.startsWith(base) || path.equals(base) || path.startsWith(base.resolve(".staging"))) {
      throw new IllegalStateException("the journal names a path outside " + base + ": " + relative);
    }
    return path;
  }
}
