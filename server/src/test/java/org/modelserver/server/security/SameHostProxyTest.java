package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import org.modelserver.server.grpc.GrpcServer;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Reply;
import org.modelserver.server.security.Callers.Rpc;

/**
 * A proxy or sidecar on the server's host (KServe's queue-proxy, Istio, nginx, socat) connects from
 * loopback on behalf of remote callers: relayed management must be refused without the admin token,
 * over REST and gRPC, while relayed inference works.
 */
class SameHostProxyTest {
  private static final Call INDEX = new Call("POST", "/v2/repository/index");
  private static final Call LOAD = new Call("POST", "/v2/repository/models/classifier/load");
  private static final Call INFER =
      new Call("POST", "/v2/models/classifier/infer", ApiCalls.INFER_BODY);
  private static final Rpc GRPC_INDEX =
      stub -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
  private static final Rpc GRPC_READY =
      stub -> stub.modelReady(ModelReadyRequest.newBuilder().setName("classifier").build());

  @Test
  void relayedManagementIsRefusedWithoutAnAdminToken() throws Exception {
    try (RunningServer server =
            RunningServer.start("--model-repository=" + TestRepos.exampleRepo());
        TcpRelay http = new TcpRelay(server.port());
        TcpRelay grpc = new TcpRelay(server.context().getBean(GrpcServer.class).port())) {
      for (Call call : new Call[] {INDEX, LOAD}) {
        Reply relayed = Callers.rest(Callers.LOOPBACK, http.port(), call, null, request -> {});
        assertThat(relayed.status()).as(call.path()).isEqualTo(403);
        assertThat(relayed.error()).contains("--admin-token");
      }
      Status status = Callers.grpc(Callers.LOOPBACK, grpc.port(), null, GRPC_INDEX);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

      // The relay itself works: inference goes through it.
      assertThat(Callers.rest(Callers.LOOPBACK, http.port(), INFER, null, request -> {}).status())
          .isEqualTo(200);
      assertThat(Callers.grpc(Callers.LOOPBACK, grpc.port(), null, GRPC_READY).getCode())
          .isEqualTo(Status.Code.OK);
      // And a local operator still manages through the loopback management listeners.
      assertThat(Callers.toManagementListener(server.context(), INDEX, null).status())
          .isEqualTo(200);
      assertThat(Callers.grpcToManagementListener(server.context(), null, GRPC_INDEX).getCode())
          .isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aSidecarConnectingFromAnotherLoopbackAddressIsRefusedToo() throws Exception {
    try (RunningServer server =
            RunningServer.start("--model-repository=" + TestRepos.exampleRepo());
        TcpRelay istio = new TcpRelay(server.port(), java.net.InetAddress.getByName("127.0.0.6"))) {
      assertThat(Callers.rest(Callers.LOOPBACK, istio.port(), INDEX, null, request -> {}).status())
          .isEqualTo(403);
      assertThat(Callers.rest(Callers.LOOPBACK, istio.port(), INFER, null, request -> {}).status())
          .isEqualTo(200);
    }
  }

  @Test
  void relayedManagementWithTheAdminTokenIsServed() throws Exception {
    try (RunningServer server =
            RunningServer.start(
                "--model-repository=" + TestRepos.exampleRepo(), "--admin-token=relay-s3cret");
        TcpRelay http = new TcpRelay(server.port());
        TcpRelay grpc = new TcpRelay(server.context().getBean(GrpcServer.class).port())) {
      Reply refused = Callers.rest(Callers.LOOPBACK, http.port(), INDEX, null, request -> {});
      assertThat(refused.status()).isEqualTo(401);
      Reply served =
          Callers.rest(Callers.LOOPBACK, http.port(), INDEX, "Bearer relay-s3cret", request -> {});
      assertThat(served.status()).isEqualTo(200);
      assertThat(Callers.grpc(Callers.LOOPBACK, grpc.port(), "Bearer relay-s3cret", GRPC_INDEX))
          .extracting(Status::getCode)
          .isEqualTo(Status.Code.OK);
      // With a token configured, the management listener wants it too.
      assertThat(Callers.toManagementListener(server.context(), INDEX, null).status())
          .isEqualTo(401);
    }
  }

  @Test
  void theManagementListenersCanBeTurnedOff() {
    try (RunningServer server =
        RunningServer.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--management-port=-1",
            "--grpc-management-port=-1")) {
      assertThat(server.context().getBean(ManagementListener.class).port()).isEqualTo(-1);
      assertThat(server.context().getBean(GrpcServer.class).managementPort()).isEqualTo(-1);
      assertThat(Callers.rest(server.context(), Callers.LOOPBACK, INDEX, null).status())
          .isEqualTo(403);
    }
  }
}
