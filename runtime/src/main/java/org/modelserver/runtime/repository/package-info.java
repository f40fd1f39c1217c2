/**
 * The model repository on disk: scanning {@code <repo>/<model>/<version>/}, and uploads staged and
 * placed atomically. Knows files, not loaded models.
 */
package org.modelserver.runtime.repository;
