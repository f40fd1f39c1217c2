package org.modelserver.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.function.Predicate;
import org.modelserver.server.security.Endpoint;
import org.modelserver.server.security.ManagementAccess;

/**
 * Applies {@link ManagementAccess} to the methods of the inference service, by their {@link
 * Endpoint}: UNAUTHENTICATED or PERMISSION_DENIED, with the REST API's messages.
 */
final class AccessInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagementAccess access;

  /** Who sent the call, for per-caller rate limits; see {@link ManagementAccess#caller}. */
  static final Context.Key<String> CALLER = Context.key("modelserver-caller");

  /** The call's metadata, for a traffic split sticky on one of its keys. */
  static final Context.Key<Metadata> HEADERS = Context.key("modelserver-headers");

  private final Predicate<SocketAddress> managementListener;

  /**
   * @param managementListener whether a call's local address is the loopback management listener
   */
  AccessInterceptor(ManagementAccess access, Predicate<SocketAddress> managementListener) {
    this.access = access;
    this.managementListener = managementListener;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Endpoint endpoint = Endpoint.ofGrpcMethod(call.getMethodDescriptor().getFullMethodName());
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String address =
        remote instanceof InetSocketAddress inet && inet.getAddress() != null
            ? inet.getAddress().getHostAddress()
            : null;
    SocketAddress local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
    ManagementAccess.Peer peer =
        new ManagementAccess.Peer(address, local != null && managementListener.test(local));
    Optional<ManagementAccess.Denial> denial =
        access.check(endpoint, peer, headers.get(AUTHORIZATION));
    if (denial.isEmpty()) {
      Context context =
          Context.current()
              .withValues(
                  CALLER, access.caller(address, headers.get(AUTHORIZATION)), HEADERS, headers);
      return Contexts.interceptCall(context, call, headers, next);
    }
    Status status =
        denial.get().unauthenticated() ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED;
    call.close(status.withDescription(denial.get().message()), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
