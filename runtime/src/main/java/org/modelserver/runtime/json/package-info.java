/** The strict-JSON rule every parser applies: unknown fields are errors with one message format. */
package org.modelserver.runtime.json;
