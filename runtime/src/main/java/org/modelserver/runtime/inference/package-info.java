/**
 * The inference path: a request is resolved to a version, validated against its config and
 * submitted to its scheduler; also the classification extension.
 */
package org.modelserver.runtime.inference;
