package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

  /** Literals only: InetAddress.getByName parses them without a DNS lookup. */
  private static InetAddress address(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1|loopback",
        "127.255.0.9|loopback",
        "::1|loopback",
        "0.0.0.0|unspecified",
        "::|unspecified",
        "0.1.2.3|unspecified",
        "169.254.169.254|link-local",
        "fe80::1|link-local",
        "10.1.2.3|private",
        "172.16.0.1|private",
        "172.31.255.255|private",
        "192.168.1.1|private",
        "fc00::1|unique local",
        "fd12:3456::1|unique local",
        "100.100.100.200|carrier-grade NAT",
        "192.0.0.192|192.0.0.0/24",
        "198.18.0.1|benchmarking",
        "224.0.0.1|multicast",
        "ff02::1|multicast",
        "255.255.255.255|240.0.0.0/4",
        "::ffff:127.0.0.1|loopback",
        "::ffff:169.254.169.254|link-local",
        "::127.0.0.1|loopback",
        "64:ff9b::a9fe:a9fe|link-local",
        "64:ff9b::a00:1|private",
      })
  void nonPublicAddressesAreNamed(String literal, String kind) throws UnknownHostException {
    assertThat(AddressPolicy.nonPublicKind(address(literal))).as(literal).contains(kind);
  }

  @Test
  void anIpv4MappedIpv6AddressIsJudgedByItsIpv4Address() throws UnknownHostException {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
    // Inet6Address.getByAddress keeps the IPv6 form that InetAddress.getByAddress would convert.
    InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(v6).isInstanceOf(Inet6Address.class);
    assertThat(AddressPolicy.nonPublicKind(v6)).isEqualTo("private");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "172.15.255.255",
        "100.128.0.1",
        "192.169.0.1",
        "2001:4860:4860::8888",
        "2606:4700::1111",
        "::ffff:8.8.8.8"
      })
  void publicAddressesPass(String literal) throws UnknownHostException {
    assertThat(AddressPolicy.nonPublicKind(address(literal))).as(literal).isNull();
  }

  @Test
  void literalsAreNotResolvedNorFiltered() {
    AddressPolicy policy = new AddressPolicy("");
    policy.requireAllowed("127.0.0.1", "'http://127.0.0.1/m'");
    policy.requireAllowed("[::1]", "'http://[::1]/m'");
    assertThat(AddressPolicy.isLiteral("127.1")).isFalse();
    assertThat(AddressPolicy.isLiteral("2130706433")).isFalse();
  }

  @Test
  void privateHostsAreHostNames() {
    assertThat(new AddressPolicy(" Models.Internal, ,mirror.lan ").privateHosts())
        .containsExactlyInAnyOrder("models.internal", "mirror.lan");
    for (String bad : new String[] {"http://a.lan", "a.lan:80", "a.lan/x", "10.0.0.1", "[::1]"}) {
      assertThatThrownBy(() -> new AddressPolicy(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--model-url-private-hosts")
          .hasMessageContaining("not a host name");
    }
  }
}
