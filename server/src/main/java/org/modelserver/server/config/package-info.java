/** Options and the wiring of the runtime's objects as Spring beans; the start-up report. */
package org.modelserver.server.config;
