/**
 * The KServe v2 REST API: controllers, the request-size limit, and the one map from runtime errors
 * to HTTP statuses.
 */
package org.modelserver.server.rest;
