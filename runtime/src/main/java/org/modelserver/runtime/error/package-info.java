/**
 * What went wrong, in transport-free terms: an {@link org.modelserver.runtime.error.ErrorKind} and
 * its message; each transport maps kinds to statuses in one place.
 */
package org.modelserver.runtime.error;
