/**
 * Access rules: which endpoints are management, inference or open; tokens and loopback; the model
 * URL allowlist.
 */
package org.modelserver.server.security;
