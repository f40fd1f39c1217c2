package org.modelserver.server;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.modelserver.server.grpc.GrpcServer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real server on random ports with a gRPC channel to it, for test classes that talk to one
 * server over both transports; closing it closes both.
 */
public final class RunningServer implements AutoCloseable {
  private final ConfigurableApplicationContext context;
  private final ManagedChannel channel;
  private ManagedChannel managementChannel;

  private RunningServer(ConfigurableApplicationContext context) {
    this.context = context;
    this.channel =
        ManagedChannelBuilder.forAddress("localhost", context.getBean(GrpcServer.class).port())
            .usePlaintext()
            .build();
  }

  /** A channel to the loopback gRPC management listener, where repository RPCs need no token. */
  public synchronized ManagedChannel managementChannel() {
    if (managementChannel == null) {
      managementChannel =
          ManagedChannelBuilder.forAddress(
                  "127.0.0.1", context.getBean(GrpcServer.class).managementPort())
              .usePlaintext()
              .build();
    }
    return managementChannel;
  }

  /** Starts the server with these options, on a random HTTP and gRPC port. */
  public static RunningServer start(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--grpc-port=0";
    System.arraycopy(args, 0, all, 1, args.length);
    return new RunningServer(TestRepos.start(all));
  }

  public ConfigurableApplicationContext context() {
    return context;
  }

  public int port() {
    return TestRepos.port(context);
  }

  /** A client that sends management to the management listener and the rest to the main port. */
  public HttpTestClient http() {
    return TestRepos.client(context);
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    try {
      synchronized (this) {
        if (managementChannel != null) {
          managementChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      context.close();
    }
  }
}
