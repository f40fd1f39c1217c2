/**
 * The KServe v2 / Triton gRPC service, its request decoding, health and reflection, and the one map
 * from runtime errors to gRPC statuses.
 */
package org.modelserver.server.grpc;
