/**
 * The strict-JSON rules every parser applies: duplicate keys are errors ({@link StrictJson}), and
 * unknown fields are errors with one message format ({@link StrictFields}).
 */
package org.modelserver.runtime.json;
