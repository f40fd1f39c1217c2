/** The raw tensor encoding shared by gRPC's raw contents and REST's binary extension. */
package org.modelserver.server.codec;
