package org.modelserver.runtime.repository;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/**
 * Writes the entries of one upload under a staging folder. It enforces the rules every entry name
 * must follow and the upload's limits, counting bytes as they are copied so that an archive bomb
 * stops at the limit. Input problems are {@link ServingException}s; an {@link IOException} means
 * the staging folder itself failed.
 */
final class UploadStager {
  private static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_NAME_CHARS = 4096;
  private static final String EXPECTED =
      "expected a relative path inside the model folder such as 1/model.onnx";

  private final Path root;
  private final UploadLimits limits;
  private final SortedMap<String, Long> files = new TreeMap<>();

  /** Folders by path; true when an entry named the folder, false when only implied by a path. */
  private final Map<String, Boolean> folders = new HashMap<>();

  private int entries;
  private long bytes;

  UploadStager(Path root, UploadLimits limits) throws IOException {
    this.root = root;
    this.limits = limits;
    Files.createDirectories(root);
  }

  Path root() {
    return root;
  }

  /** Regular files by normalized relative path, with their sizes. */
  SortedMap<String, Long> files() {
    return Collections.unmodifiableSortedMap(files);
  }

  /** Every folder, named or implied, by normalized relative path. */
  SortedSet<String> folders() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(folders.keySet()));
  }

  void addFolder(String name) throws IOException {
    String path = normalize(name, true);
    if (path == null) {
      return; // "./": the upload's own root
    }
    countEntry(name);
    claimParents(name, path);
    if (files.containsKey(path) || Boolean.TRUE.equals(folders.get(path))) {
      throw duplicate(name);
    }
    folders.put(path, true);
    Files.createDirectories(root.resolve(path));
  }

  void addFile(String name, InputStream data) throws IOException {
    String path = normalize(name, false);
    countEntry(name);
    claimParents(name, path);
    if (files.containsKey(path) || folders.containsKey(path)) {
      throw duplicate(name);
    }
    files.put(path, 0L);
    Path target = root.resolve(path);
    Files.createDirectories(target.getParent());
    long size;
    try (OutputStream out =
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      size = copyWithinLimit(name, data, out);
    } catch (FileAlreadyExistsException e) {
      // Only a name the file system folds together with another one (case, normalization).
      throw duplicate(name);
    }
    files.put(path, size);
  }

  /** An input problem with one entry, phrased the same way for every rule. */
  static ServingException invalidEntry(String name, String problem) {
    return ServingException.invalidArgument("entry '" + printable(name) + "' " + problem);
  }

  /**
   * The entry's path with '/' separators, without a leading "./" or a folder's trailing '/'; null
   * for the root itself ("./"). Refuses every name that could leave the folder or hide in it.
   */
  static String normalize(String name, boolean folder) {
    if (name == null || name.isEmpty()) {
      throw ServingException.invalidArgument("an entry has an empty name; " + EXPECTED);
    }
    if (name.length() > MAX_NAME_CHARS) {
      throw invalidEntry(name, "has a name longer than " + MAX_NAME_CHARS + " characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        throw invalidEntry(name, "contains a NUL or control character; " + EXPECTED);
      }
    }
    if (name.indexOf('\\') >= 0) {
      throw invalidEntry(name, "contains a backslash; use '/' between folders");
    }
    if (name.startsWith("/")) {
      throw invalidEntry(name, "is an absolute path; " + EXPECTED);
    }
    String path = name.startsWith("./") ? name.substring(2) : name;
    if (folder && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty() && folder) {
      return null;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        throw invalidEntry(name, "has an empty path segment ('//' or a trailing '/'); " + EXPECTED);
      }
      if (segment.equals("..")) {
        throw invalidEntry(name, "has a '..' segment; " + EXPECTED);
      }
      if (segment.startsWith(".")) {
        throw invalidEntry(
            name, "is hidden ('" + segment + "' starts with '.'); hidden names are not allowed");
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw invalidEntry(name, "has a segment longer than " + MAX_SEGMENT_BYTES + " bytes");
      }
    }
    return path;
  }

  /** The name with control characters escaped and cut to a readable length, fit for a message. */
  static String printable(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length() && out.length() < 200; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.length() < name.length() ? out + "..." : out.toString();
  }

  private void countEntry(String name) {
    entries++;
    if (entries > limits.maxEntries()) {
      throw new ServingException(
          ErrorKind.TOO_LARGE,
          "upload has more than "
              + limits.maxEntries()
              + " entries, the limit; stopped at entry '"
              + printable(name)
              + "'");
    }
  }

  /** Records the folders a path implies; a file cannot also be a folder. */
  private void claimParents(String name, String path) {
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String parent = path.substring(0, slash);
      if (files.containsKey(parent)) {
        throw invalidEntry(name, "lies under '" + parent + "', which is a file");
      }
      folders.putIfAbsent(parent, false);
    }
  }

  private long copyWithinLimit(String name, InputStream data, OutputStream out) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long size = 0;
    while (true) {
      int n;
      try {
        n = data.read(buffer);
      } catch (IOException | RuntimeException e) {
        throw ServingException.invalidArgument(
            "archive is corrupt or truncated at entry '"
                + printable(name)
                + "': "
                + e.getMessage());
      }
      if (n < 0) {
        return size;
      }
      bytes += n;
      size += n;
      if (bytes > limits.maxBytes()) {
        throw new ServingException(
            ErrorKind.TOO_LARGE,
            "upload holds more than "
                + limits.maxBytes()
                + " bytes once extracted, the limit; stopped at entry '"
                + printable(name)
                + "'");
      }
      out.write(buffer, 0, n);
    }
  }

  private static ServingException duplicate(String name) {
    return invalidEntry(name, "appears more than once");
  }
}
