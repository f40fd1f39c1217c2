package org.modelserver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Reading connections from the kernel's TCP tables, as {@code /proc/net/tcp} and tcp6 print them.
 */
class ClientWatchTest {
  @Test
  void readsAnIpv4Connection() throws Exception {
    ClientWatch.Connection connection = ClientWatch.connection("0100007F:46A0", "0100007F:B622");
    assertThat(connection)
        .isEqualTo(new ClientWatch.Connection(18080, InetAddress.getByName("127.0.0.1"), 46626));
  }

  @Test
  void readsAnIpv4MappedConnectionOfTheIpv6TableAsIpv4() throws Exception {
    ClientWatch.Connection connection =
        ClientWatch.connection(
            "0000000000000000FFFF00000100007F:46A0", "0000000000000000FFFF00000A00000A:0050");
    assertThat(connection)
        .isEqualTo(new ClientWatch.Connection(18080, InetAddress.getByName("10.0.0.10"), 80));
  }

  @Test
  void readsAnIpv6Connection() throws Exception {
    ClientWatch.Connection connection =
        ClientWatch.connection(
            "00000000000000000000000001000000:1F40", "00000000000000000000000001000000:C350");
    assertThat(connection)
        .isEqualTo(new ClientWatch.Connection(8000, InetAddress.getByName("::1"), 50000));
  }

  @Test
  void malformedEntriesAreSkipped() {
    assertThat(ClientWatch.connection("nonsense", "0100007F:B622")).isNull();
    assertThat(ClientWatch.connection("0100007F:ZZZZ", "0100007F:B622")).isNull();
  }
}
