/**
 * JSON (and Triton's binary tensor data) to and from the runtime's inference requests and
 * responses.
 */
package org.modelserver.server.rest.json;
