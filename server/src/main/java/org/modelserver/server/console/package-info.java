/**
 * The web console ({@code /console/}) and Swagger UI: static files only, served with a strict
 * Content-Security-Policy. They call the same REST endpoints as curl, under the same access rules.
 */
package org.modelserver.server.console;
