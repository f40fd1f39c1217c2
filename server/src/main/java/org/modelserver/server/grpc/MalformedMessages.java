package org.modelserver.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes that are not a valid request message (truncated, random, a string field that is not UTF-8)
 * get INVALID_ARGUMENT with a short message, logged once at DEBUG. Left to grpc-java, a parse
 * failure escapes from the call's listener and becomes UNKNOWN "Application error processing RPC"
 * with an ERROR stack trace per call, which a client could use to flood the log.
 *
 * <p>Each method's request marshaller is wrapped: a message that does not parse becomes a marker
 * object, and an interceptor closes the call when the marker arrives, before any typed code sees
 * it.
 */
final class MalformedMessages {
  private static final Logger log = LoggerFactory.getLogger(MalformedMessages.class);

  /** What a request that did not parse is replaced with; never seen by a service method. */
  private static final Object MALFORMED = new Object();

  private MalformedMessages() {}

  /** The service with every method's requests parsed leniently and refused as described. */
  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    io.grpc.ServiceDescriptor original = service.getServiceDescriptor();
    java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
    // the schema descriptor is kept, so that reflection still lists the service
    io.grpc.ServiceDescriptor.Builder descriptor =
        io.grpc.ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = lenient(method);
      methods.add(wrapped);
      descriptor.addMethod(wrapped.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(builder::addMethod);
    return ServerInterceptors.intercept(builder.build(), new Refuser());
  }

  private static <Q, R> ServerMethodDefinition<Q, R> lenient(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    MethodDescriptor<Q, R> wrapped =
        descriptor.toBuilder(
                new LenientMarshaller<>(descriptor.getRequestMarshaller()),
                descriptor.getResponseMarshaller())
            .build();
    return ServerMethodDefinition.create(wrapped, method.getServerCallHandler());
  }

  /** Parses with the method's own marshaller; what does not parse becomes the marker. */
  private static final class LenientMarshaller<Q> implements MethodDescriptor.Marshaller<Q> {
    private final MethodDescriptor.Marshaller<Q> delegate;

    LenientMarshaller(MethodDescriptor.Marshaller<Q> delegate) {
      this.delegate = delegate;
    }

    @Override
    public InputStream stream(Q value) {
      return delegate.stream(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Q parse(InputStream stream) {
      try {
        return delegate.parse(stream);
      } catch (RuntimeException e) {
        log.debug("a gRPC request did not parse: {}", e.toString());
        return (Q) MALFORMED; // erased: only the Refuser below ever sees it
      }
    }
  }

  /** Closes a call whose message did not parse, with INVALID_ARGUMENT. */
  private static final class Refuser implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      ServerCall.Listener<Q> delegate = next.startCall(call, headers);
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
        private boolean closed;

        @Override
        public void onMessage(Q message) {
          if (closed) {
            return;
          }
          if (message == MALFORMED) {
            closed = true;
            try {
              call.close(
                  Status.INVALID_ARGUMENT.withDescription(
                      "the request is not a valid "
                          + call.getMethodDescriptor().getFullMethodName()
                          + " message (truncated, not protobuf, or a string field that is not"
                          + " UTF-8)"),
                  new Metadata());
            } catch (IllegalStateException alreadyClosed) {
              // refused earlier (access control): that answer stands
            }
            return;
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!closed) {
            super.onHalfClose();
          }
        }
      };
    }
  }
}
