package org.modelserver.runtime.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.modelserver.runtime.repository.ModelSource;

/**
 * Digests of what loading a model reads, from file names, sizes, modification times and file
 * identities (inode), so that a changed, replaced or added file changes the digest without reading
 * model bytes. Hidden files and folders are left out, as the repository scan leaves them out.
 */
final class Fingerprints {
  private final ModelSource source;

  /** The digest of the model folder's own files, read once. */
  private final String topLevel;

  /** Each version folder's tree digest, read at most once. */
  private final Map<Long, String> trees = new HashMap<>();

  private Fingerprints(ModelSource source) {
    this.source = source;
    MessageDigest digest = sha256();
    topLevelFiles(source.dir(), digest);
    this.topLevel = HexFormat.of().formatHex(digest.digest());
  }

  /** The digests of a model folder as it is now. */
  static Fingerprints of(ModelSource source) {
    return new Fingerprints(source);
  }

  ModelSource source() {
    return source;
  }

  /**
   * One version as it would load now: the model folder's own files (config, labels), the version
   * folder's tree and the config override of the load request, if any.
   */
  String version(long version, Optional<String> configOverride) {
    MessageDigest digest = sha256();
    update(digest, topLevel);
    update(digest, tree(version));
    configOverride.ifPresent(text -> update(digest, "override:" + text));
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The whole model folder: its own files and every version folder. */
  String model() {
    MessageDigest digest = sha256();
    update(digest, topLevel);
    for (long number : source.versions().keySet()) {
      update(digest, "version:" + number);
      update(digest, tree(number));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private String tree(long version) {
    return trees.computeIfAbsent(
        version,
        number -> {
          MessageDigest digest = sha256();
          Path dir = source.versions().get(number);
          if (dir != null) {
            tree(dir, digest);
          }
          return HexFormat.of().formatHex(digest.digest());
        });
  }

  private static void topLevelFiles(Path modelDir, MessageDigest digest) {
    for (Path file : list(modelDir)) {
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        entry(modelDir, file, digest);
      }
    }
  }

  private static void tree(Path dir, MessageDigest digest) {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files =
          walk.filter(path -> !isHidden(dir, path))
              .filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
              .sorted()
              .toList();
      for (Path file : files) {
        entry(dir, file, digest);
      }
    } catch (IOException | RuntimeException e) {
      update(digest, "unreadable:" + dir + ":" + e.getMessage());
    }
  }

  private static void entry(Path base, Path file, MessageDigest digest) {
    try {
      BasicFileAttributes attributes =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      update(
          digest,
          base.relativize(file)
              + "|"
              + attributes.size()
              + "|"
              + attributes.lastModifiedTime().toInstant()
              + "|"
              + attributes.fileKey());
    } catch (IOException e) {
      update(digest, "unreadable:" + file);
    }
  }

  private static boolean isHidden(Path base, Path path) {
    for (Path part : base.relativize(path)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> stream = Files.list(dir)) {
      return stream
          .filter(path -> !path.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void update(MessageDigest digest, String text) {
    digest.update(text.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
