package dev.gog.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.server.FetchRefusedException.Reason;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.Dns;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The URL guard: schemes, blocked addresses (literal and resolved), redirects re-checked hop by
 * hop, size, content type and time limits, and a positive fetch through a test resolver that
 * points a public-looking name at a local {@link MockWebServer}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImageFetcherTest {
    private static final String HOST = "images.example.test";
    private static final byte[] IMAGE = new byte[3000];

    static {
        new java.util.Random(7).nextBytes(IMAGE);
    }

    /** Names the test resolver knows; anything else is an unknown host. Records lookups. */
    private static final Map<String, byte[]> NAMES = Map.of(
            HOST, new byte[] {127, 0, 0, 1},
            "internal.example.test", new byte[] {(byte) 192, (byte) 168, 0, 10},
            "metadata.example.test", new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254});

    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private final Dns testDns = host -> {
        lookups.add(host);
        if (host.equals("localhost")) return Dns.SYSTEM.lookup(host); // the machine's own answer
        byte[] a = NAMES.get(host);
        if (a == null) throw new UnknownHostException(host);
        return List.of(InetAddress.getByAddress(host, a));
    };

    private MockWebServer web;

    @BeforeEach
    void start() throws IOException {
        web = new MockWebServer();
        web.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stop() throws IOException {
        web.shutdown();
    }

    /** A fetcher whose test resolver may point names at loopback (the mock server). */
    private ImageFetcher local(ImageFetcher.Config cfg) {
        return new ImageFetcher(cfg, testDns, true);
    }

    private String url(String path) {
        return "http://" + HOST + ":" + web.getPort() + path;
    }

    private static FetchRefusedException refused(ImageFetcher f, String url, Reason reason) {
        FetchRefusedException e = assertThrows(FetchRefusedException.class, () -> f.fetch(url), url);
        assertEquals(reason, e.reason(), url + ": " + e.getMessage());
        return e;
    }

    // ---------------------------------------------------------------- refusals without the loopback allowance

    @ParameterizedTest
    @CsvSource({
        "http://127.0.0.1/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://127.9.9.9:8080/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://[::1]/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://localhost/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://LOCALHOST/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://10.0.0.1/a.jpg, BLOCKED_ADDRESS, private",
        "http://192.168.1.20/a.jpg, BLOCKED_ADDRESS, private",
        "http://172.16.0.1/a.jpg, BLOCKED_ADDRESS, private",
        "http://172.31.255.254/a.jpg, BLOCKED_ADDRESS, private",
        "http://169.254.169.254/latest/meta-data/, BLOCKED_ADDRESS, metadata",
        "http://169.254.1.1/a.jpg, BLOCKED_ADDRESS, link-local",
        "http://[::ffff:127.0.0.1]/a.jpg, BLOCKED_ADDRESS, loopback",
        "http://[::ffff:169.254.169.254]/a.jpg, BLOCKED_ADDRESS, metadata",
        "http://[fe80::1]/a.jpg, BLOCKED_ADDRESS, link-local",
        "http://[fd12:3456::1]/a.jpg, BLOCKED_ADDRESS, unique local",
        "http://[::]/a.jpg, BLOCKED_ADDRESS, unspecified",
        "http://0.0.0.0/a.jpg, BLOCKED_ADDRESS, unspecified",
        "http://100.64.0.1/a.jpg, BLOCKED_ADDRESS, CGNAT",
        "http://224.0.0.1/a.jpg, BLOCKED_ADDRESS, multicast",
        "http://255.255.255.255/a.jpg, BLOCKED_ADDRESS, broadcast",
        "http://[ff02::1]/a.jpg, BLOCKED_ADDRESS, multicast",
        "http://[64:ff9b::a00:1]/a.jpg, BLOCKED_ADDRESS, private",
        "http://internal.example.test/a.jpg, BLOCKED_ADDRESS, private",
        "http://metadata.example.test/a.jpg, BLOCKED_ADDRESS, metadata",
        "http://2130706433/a.jpg, BAD_URL, ambiguous",
        "http://0177.0.0.1/a.jpg, BAD_URL, ambiguous",
        "http://127.1/a.jpg, BAD_URL, ambiguous",
        "file:///etc/passwd, SCHEME, file",
        "ftp://example.com/a.jpg, SCHEME, ftp",
        "gopher://example.com/a.jpg, SCHEME, gopher",
        "//example.com/a.jpg, BAD_URL, absolute",
        "http://, BAD_URL, malformed",
        "http://nowhere.example.test/a.jpg, UNKNOWN_HOST, nowhere"
    })
    void refusesNonPublicTargets(String url, Reason reason, String mentions) {
        try (ImageFetcher f = new ImageFetcher(ImageFetcher.Config.defaults(), testDns, false)) {
            FetchRefusedException e = refused(f, url, reason);
            assertTrue(e.getMessage().contains(mentions), e.getMessage());
        }
        assertEquals(0, web.getRequestCount());
    }

    @Test
    void literalHostsAreCheckedWithoutDns() {
        try (ImageFetcher f = new ImageFetcher(ImageFetcher.Config.defaults(), testDns, false)) {
            refused(f, "http://10.0.0.1/a.jpg", Reason.BLOCKED_ADDRESS);
            refused(f, "http://[::ffff:127.0.0.1]/a.jpg", Reason.BLOCKED_ADDRESS);
        }
        assertEquals(List.of(), lookups);
    }

    // ---------------------------------------------------------------- the address rules

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255",
        "192.169.0.1", "169.253.0.1", "223.255.255.254", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"})
    void publicAddressesPass(String ip) throws UnknownHostException {
        assertNull(AddressGuard.blockReason(InetAddress.getByName(ip), false), ip);
    }

    @Test
    void ipv6FormsEmbeddingIpv4AreJudgedByTheIpv4Address() throws UnknownHostException {
        // built from bytes: InetAddress.getByName would turn a mapped address into an Inet4Address
        byte[] mappedLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        byte[] mappedPublic = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 8, 8, 8, 8};
        byte[] compatPrivate = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
        byte[] sixToFourPrivate = {0x20, 0x02, (byte) 192, (byte) 168, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        assertTrue(AddressGuard.blockReason(Inet6Address.getByAddress(null, mappedLoopback, null), false).contains("loopback"));
        assertNull(AddressGuard.blockReason(Inet6Address.getByAddress(null, mappedPublic, null), false));
        assertTrue(AddressGuard.blockReason(Inet6Address.getByAddress(null, compatPrivate, null), false).contains("private"));
        assertTrue(AddressGuard.blockReason(Inet6Address.getByAddress(null, sixToFourPrivate, null), false).contains("6to4"));
    }

    @Test
    void theTestAllowanceLetsOnlyLoopbackThrough() throws UnknownHostException {
        assertNull(AddressGuard.blockReason(InetAddress.getByName("127.0.0.1"), true));
        assertNull(AddressGuard.blockReason(InetAddress.getByName("::1"), true));
        for (String ip : List.of("10.0.0.1", "169.254.169.254", "192.168.0.1", "fe80::1", "0.0.0.0")) {
            assertTrue(AddressGuard.blockReason(InetAddress.getByName(ip), true) != null, ip);
        }
    }

    // ---------------------------------------------------------------- fetching through the test resolver

    @Test
    void fetchesAnImageThroughTheInjectedResolver() throws Exception {
        web.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setBody(new Buffer().write(IMAGE)));
        web.enqueue(new MockResponse().setHeader("Content-Type", "application/octet-stream").setChunkedBody(new Buffer().write(IMAGE), 500));
        try (ImageFetcher f = local(ImageFetcher.Config.defaults())) {
            assertArrayEquals(IMAGE, f.fetch(url("/a.jpg")));
            assertArrayEquals(IMAGE, f.fetch(url("/b.bin")));
        }
        var first = web.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/a.jpg", first.getPath());
        assertEquals(HOST + ":" + web.getPort(), first.getHeader("Host"));
        assertTrue(lookups.contains(HOST));
    }

    @Test
    void redirectsAreFollowedAndEachHopIsChecked() throws Exception {
        try (ImageFetcher f = local(ImageFetcher.Config.defaults())) {
            web.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/moved.jpg"));
            web.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(IMAGE)));
            assertArrayEquals(IMAGE, f.fetch(url("/a.jpg")));
            assertEquals("/a.jpg", web.takeRequest(5, TimeUnit.SECONDS).getPath());
            assertEquals("/moved.jpg", web.takeRequest(5, TimeUnit.SECONDS).getPath());

            web.enqueue(new MockResponse().setResponseCode(301).setHeader("Location", "http://10.0.0.7/a.jpg"));
            assertTrue(refused(f, url("/b.jpg"), Reason.BLOCKED_ADDRESS).getMessage().contains("10.0.0.7"));
            web.enqueue(new MockResponse().setResponseCode(307).setHeader("Location", "http://internal.example.test/a.jpg"));
            assertTrue(refused(f, url("/c.jpg"), Reason.BLOCKED_ADDRESS).getMessage().contains("192.168.0.10"));
            web.enqueue(new MockResponse().setResponseCode(308).setHeader("Location", "file:///etc/passwd"));
            refused(f, url("/d.jpg"), Reason.SCHEME);
            web.enqueue(new MockResponse().setResponseCode(302));
            refused(f, url("/e.jpg"), Reason.REDIRECTS);
        }
        assertEquals(6, web.getRequestCount(), "no request left the allowed host");
    }

    @Test
    void redirectChainsOverTheLimitAreRefused() throws Exception {
        try (ImageFetcher f = local(ImageFetcher.Config.defaults().withMaxRedirects(2))) {
            web.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/1"));
            web.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/2"));
            web.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setBody(new Buffer().write(IMAGE)));
            assertArrayEquals(IMAGE, f.fetch(url("/0")), "two redirects are within the limit");
            for (int i = 1; i <= 3; i++) web.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/r" + i));
            assertTrue(refused(f, url("/r0"), Reason.REDIRECTS).getMessage().contains("more than 2 redirects"));
        }
        assertEquals(6, web.getRequestCount());
    }

    @Test
    void oversizeBodiesAreRefusedByLengthAndByCount() {
        try (ImageFetcher f = local(ImageFetcher.Config.defaults().withMaxBytes(1000))) {
            web.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setBody(new Buffer().write(IMAGE)));
            assertTrue(refused(f, url("/big.jpg"), Reason.TOO_LARGE).getMessage().contains("3000 bytes"));
            web.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setChunkedBody(new Buffer().write(IMAGE), 256));
            refused(f, url("/chunked.jpg"), Reason.TOO_LARGE);
        }
    }

    @Test
    void wrongContentTypesStatusesAndSlowServersAreRefused() {
        ImageFetcher.Config fast = ImageFetcher.Config.defaults()
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(200));
        try (ImageFetcher f = local(fast)) {
            web.enqueue(new MockResponse().setHeader("Content-Type", "text/html").setBody("<html></html>"));
            assertTrue(refused(f, url("/page"), Reason.CONTENT_TYPE).getMessage().contains("text/html"));
            web.enqueue(new MockResponse().setBody("no type"));
            refused(f, url("/untyped"), Reason.CONTENT_TYPE);
            web.enqueue(new MockResponse().setResponseCode(404));
            assertTrue(refused(f, url("/missing.jpg"), Reason.HTTP_STATUS).getMessage().contains("404"));
            web.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setBody(new Buffer().write(IMAGE))
                    .setHeadersDelay(800, TimeUnit.MILLISECONDS));
            refused(f, url("/slow.jpg"), Reason.TIMEOUT);
        }
    }
}
