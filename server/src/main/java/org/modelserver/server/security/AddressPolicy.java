package org.modelserver.server.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.modelserver.runtime.error.ServingException;

/**
 * Which addresses a model fetch may connect to. A host named in the allowlist by a DNS name is
 * resolved, and refused when any of its addresses is loopback, private, link-local (where cloud
 * metadata endpoints answer), unspecified, multicast or otherwise reserved, unless the operator
 * names it in {@code --model-url-private-hosts}: an allowlisted public name whose DNS an attacker
 * can point at 169.254.169.254 or 127.0.0.1 must not reach them. A host given as an IP literal is
 * the address the operator listed, and is not filtered.
 */
final class AddressPolicy {
  static final String OPTION = "--model-url-private-hosts";

  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
  private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Set<String> privateHosts;

  /**
   * @param privateHosts comma-separated host names that may resolve to non-public addresses
   */
  AddressPolicy(String privateHosts) {
    Set<String> parsed = new LinkedHashSet<>();
    for (String host : privateHosts == null ? new String[0] : privateHosts.split(",")) {
      String name = host.trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      if (!HOST_NAME.matcher(name).matches() || IPV4_LITERAL.matcher(name).matches()) {
        throw new IllegalArgumentException(
            OPTION
                + ": '"
                + host.trim()
                + "' is not a host name; give names such as models.internal, without scheme,"
                + " port or path (an IP address needs no entry: list it in the allowlist)");
      }
      parsed.add(name);
    }
    this.privateHosts = Set.copyOf(parsed);
  }

  Set<String> privateHosts() {
    return privateHosts;
  }

  /**
   * Resolves {@code host} (lower case, as a normalised URI holds it) and checks its addresses.
   *
   * @param what the URL, for messages
   * @throws ServingException INVALID_ARGUMENT naming the host, the address and its kind when an
   *     address is not public and the host may not reach such addresses; UNAVAILABLE when the name
   *     does not resolve
   */
  void requireAllowed(String host, String what) {
    if (isLiteral(host) || privateHosts.contains(host)) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw ServingException.unavailable(
          "cannot fetch " + what + ": the host '" + host + "' does not resolve");
    }
    for (InetAddress address : addresses) {
      String kind = nonPublicKind(address);
      if (kind != null) {
        throw ServingException.invalidArgument(
            "cannot fetch "
                + what
                + ": the host '"
                + host
                + "' resolves to "
                + address.getHostAddress()
                + " ("
                + kind
                + "); a host named in the allowlist must resolve to public addresses only,"
                + " unless it is listed in "
                + OPTION
                + " or its address itself is in --model-url-allowlist");
      }
    }
  }

  /** An IPv4 dotted quad or a bracketed IPv6 literal, as {@link java.net.URI#getHost} gives. */
  static boolean isLiteral(String host) {
    return host.startsWith("[") || IPV4_LITERAL.matcher(host).matches();
  }

  /** What kind of non-public address this is, or null for a public (global unicast) one. */
  static String nonPublicKind(InetAddress address) {
    if (address.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (address.isLoopbackAddress()) {
      return "loopback";
    }
    if (address.isLinkLocalAddress()) {
      return "link-local, where cloud metadata endpoints answer";
    }
    if (address.isSiteLocalAddress()) {
      return "private";
    }
    if (address.isMulticastAddress()) {
      return "multicast";
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet6Address) {
      byte[] embedded = embeddedIpv4(bytes);
      if (embedded != null) {
        return nonPublicIpv4(embedded);
      }
      return (bytes[0] & 0xfe) == 0xfc ? "private, unique local fc00::/7" : null;
    }
    return nonPublicIpv4(bytes);
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 (64:ff9b::/96) one. */
  private static byte[] embeddedIpv4(byte[] b) {
    boolean zeroPrefix = isZero(b, 0, 10);
    boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !isZero(b, 12, 15);
    boolean nat64 =
        (b[0] & 0xff) == 0x00
            && (b[1] & 0xff) == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b
            && isZero(b, 4, 12);
    return mapped || compatible || nat64 ? Arrays.copyOfRange(b, 12, 16) : null;
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static String nonPublicIpv4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    if (a0 == 0) {
      return "unspecified";
    }
    if (a0 == 127) {
      return "loopback";
    }
    if (a0 == 169 && a1 == 254) {
      return "link-local, where cloud metadata endpoints answer";
    }
    if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
      return "private";
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return "shared, carrier-grade NAT 100.64.0.0/10";
    }
    if (a0 == 192 && a1 == 0 && b[2] == 0) {
      return "reserved, 192.0.0.0/24";
    }
    if (a0 == 198 && (a1 & 0xfe) == 18) {
      return "reserved, benchmarking 198.18.0.0/15";
    }
    if (a0 >= 224) {
      return a0 < 240 ? "multicast" : "reserved, 240.0.0.0/4";
    }
    return null;
  }
}
