package org.modelserver.runtime.repository;

/**
 * Bounds on one model upload, checked while its content is staged.
 *
 * @param maxBytes the most bytes all files together may hold once extracted (uncompressed), so an
 *     archive bomb stops as soon as it passes the limit
 * @param maxEntries the most entries (files and folders) an upload may hold
 */
public record UploadLimits(long maxBytes, int maxEntries) {
  public UploadLimits {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
    }
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    }
  }
}
