package dev.gog.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Which IP addresses the image fetcher may connect to: only public unicast ones. Everything
 * loopback, private, link-local, shared (CGNAT), multicast, broadcast, unspecified or reserved is
 * refused, for IPv4 and IPv6 alike, including IPv6 forms that embed an IPv4 address (mapped,
 * compatible, NAT64, 6to4), which are judged by the IPv4 address they carry.
 */
final class AddressGuard {
    /** OkHttp treats a host that matches this as an IP literal and never asks its Dns about it. */
    private static final Pattern OKHTTP_IP_LITERAL = Pattern.compile("([0-9a-fA-F]*:[0-9a-fA-F:.]*)|([\\d.]+)");
    private static final Pattern DOTTED_QUAD = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private static final String LOOPBACK_V4 = "loopback (127.0.0.0/8)";

    private AddressGuard() {}

    /**
     * Why {@code a} must not be connected to, or null when it is a public unicast address.
     *
     * @param a the address
     * @param allowLoopback true only in tests: loopback addresses pass
     * @return the kind of address, such as {@code "private (10.0.0.0/8)"}, or null
     */
    static String blockReason(InetAddress a, boolean allowLoopback) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            String why = ipv4Reason(b);
            return why == null || (allowLoopback && why.equals(LOOPBACK_V4)) ? null : why;
        }
        return ipv6Reason(b, allowLoopback);
    }

    private static String ipv4Reason(byte[] b) {
        int o0 = b[0] & 0xff;
        int o1 = b[1] & 0xff;
        int o2 = b[2] & 0xff;
        if (o0 == 0) return "unspecified (0.0.0.0/8)";
        if (o0 == 127) return LOOPBACK_V4;
        if (o0 == 10) return "private (10.0.0.0/8)";
        if (o0 == 172 && (o1 & 0xf0) == 16) return "private (172.16.0.0/12)";
        if (o0 == 192 && o1 == 168) return "private (192.168.0.0/16)";
        if (o0 == 100 && (o1 & 0xc0) == 64) return "shared CGNAT (100.64.0.0/10)";
        if (o0 == 169 && o1 == 254) {
            return o2 == 169 && (b[3] & 0xff) == 254 ? "cloud metadata" : "link-local (169.254.0.0/16)";
        }
        if (o0 == 192 && o1 == 0 && o2 == 0) return "reserved (192.0.0.0/24)";
        if (o0 == 192 && o1 == 0 && o2 == 2) return "documentation (192.0.2.0/24)";
        if (o0 == 198 && (o1 & 0xfe) == 18) return "benchmarking (198.18.0.0/15)";
        if (o0 == 198 && o1 == 51 && o2 == 100) return "documentation (198.51.100.0/24)";
        if (o0 == 203 && o1 == 0 && o2 == 113) return "documentation (203.0.113.0/24)";
        if (o0 >= 224 && o0 <= 239) return "multicast (224.0.0.0/4)";
        if (o0 == 255 && o1 == 255 && o2 == 255 && (b[3] & 0xff) == 255) return "broadcast";
        if (o0 >= 240) return "reserved (240.0.0.0/4)";
        return null;
    }

    private static String ipv6Reason(byte[] b, boolean allowLoopback) {
        boolean zero10 = true;
        for (int i = 0; i < 10; i++) zero10 &= b[i] == 0;
        boolean zero12 = zero10 && b[10] == 0 && b[11] == 0;
        if (zero12) {
            boolean last4Zero = b[12] == 0 && b[13] == 0 && b[14] == 0;
            if (last4Zero && b[15] == 0) return "unspecified (::)";
            if (last4Zero && b[15] == 1) return allowLoopback ? null : "loopback (::1)";
            return embedded(b, 12, "IPv4-compatible", allowLoopback);
        }
        if (zero10 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return embedded(b, 12, "IPv4-mapped", allowLoopback);
        }
        int h0 = b[0] & 0xff;
        int h1 = b[1] & 0xff;
        if (h0 == 0xff) return "multicast (ff00::/8)";
        if (h0 == 0xfe && (h1 & 0xc0) == 0x80) return "link-local (fe80::/10)";
        if (h0 == 0xfe && (h1 & 0xc0) == 0xc0) return "site-local (fec0::/10)";
        if ((h0 & 0xfe) == 0xfc) return "unique local (fc00::/7)";
        if (h0 == 0x00 && h1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            boolean wellKnown = true;
            for (int i = 4; i < 12; i++) wellKnown &= b[i] == 0;
            if (wellKnown) return embedded(b, 12, "NAT64", allowLoopback);
            return "NAT64 local-use (64:ff9b:1::/48)";
        }
        if (h0 == 0x20 && h1 == 0x02) return embedded(b, 2, "6to4", allowLoopback);
        if (h0 == 0x20 && h1 == 0x01 && b[2] == 0 && b[3] == 0) return "Teredo (2001::/32)";
        if (h0 == 0x20 && h1 == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return "documentation (2001:db8::/32)";
        }
        if (h0 == 0x01 && h1 == 0x00 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) {
            return "discard-only (100::/64)";
        }
        return null;
    }

    private static String embedded(byte[] b, int at, String kind, boolean allowLoopback) {
        byte[] v4 = {b[at], b[at + 1], b[at + 2], b[at + 3]};
        String why = ipv4Reason(v4);
        if (why == null || (allowLoopback && why.equals(LOOPBACK_V4))) return null;
        return kind + " form of a " + why;
    }

    /**
     * The address a URL host names literally, parsed without any DNS lookup, or null when the
     * host is a name. Mirrors OkHttp, which connects to what it takes for an IP literal without
     * asking its {@code Dns}: a host that OkHttp would take for a literal but that is not a
     * plain dotted quad or an IPv6 address (such as {@code 2130706433} or {@code 0x7f.1}) is
     * refused rather than left to a permissive parser.
     *
     * @param host the host as {@link okhttp3.HttpUrl#host()} gives it (IPv6 without brackets)
     * @return the address, or null for a host name
     * @throws FetchRefusedException if the host looks numeric but is not an unambiguous literal
     */
    static InetAddress literal(String host) throws FetchRefusedException {
        if (!OKHTTP_IP_LITERAL.matcher(host).matches()) return null;
        if (host.indexOf(':') >= 0) {
            try {
                InetAddress a = InetAddress.getByName(host); // contains ':': parsed as IPv6, never resolved
                if (!(a instanceof Inet6Address) && !(a instanceof Inet4Address)) throw new UnknownHostException(host);
                return a;
            } catch (UnknownHostException e) {
                throw new FetchRefusedException(FetchRefusedException.Reason.BAD_URL, "malformed IPv6 host " + host);
            }
        }
        var m = DOTTED_QUAD.matcher(host);
        if (m.matches()) {
            byte[] b = new byte[4];
            boolean ok = true;
            for (int i = 0; i < 4; i++) {
                String part = m.group(i + 1);
                int v = Integer.parseInt(part);
                if (v > 255 || (part.length() > 1 && part.charAt(0) == '0')) ok = false; // no octal look-alikes
                b[i] = (byte) v;
            }
            if (ok) {
                try {
                    return InetAddress.getByAddress(host, b);
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("4-byte address rejected", e);
                }
            }
        }
        throw new FetchRefusedException(FetchRefusedException.Reason.BAD_URL,
                "ambiguous numeric host " + host + " (write IPv4 addresses as four decimal octets)");
    }
}
