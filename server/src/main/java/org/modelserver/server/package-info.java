/** The Spring Boot application: thin doors (REST, gRPC, management, training) onto the runtime. */
package org.modelserver.server;
