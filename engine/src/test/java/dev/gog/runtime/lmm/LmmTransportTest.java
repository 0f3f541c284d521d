package dev.gog.runtime.lmm;

import static dev.gog.runtime.lmm.LmmPolicyToolsTest.H;
import static dev.gog.runtime.lmm.LmmPolicyToolsTest.W;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.Action;
import dev.gog.runtime.Budget;
import dev.gog.runtime.PolicyTurn;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Time-outs, HTTP errors, cancellation and concurrency of {@link LmmPolicy} and {@link ChatClient}. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LmmTransportTest {
    private final FakeLmmServer server = new FakeLmmServer();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        server.close();
    }

    private LmmPolicy policy(LmmConfig c) {
        LmmPolicy p = new LmmPolicy(c);
        closeables.add(p);
        return p;
    }

    private LmmConfig config() {
        return LmmConfig.defaults(server.baseUrl(), "m").withApiKey("sk-hidden-key");
    }

    @Test
    void aHangingServerFailsTheTurnWithinTheTimeout() throws Exception {
        server.then(new FakeLmmServer.Hang());
        long t0 = System.nanoTime();
        PolicyTurn t = policy(config().withTimeout(Duration.ofMillis(400))).next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(t.actions().isEmpty());
        assertTrue(t.error().contains("timed out after 400 ms"), t.error());
        assertTrue(ms >= 350 && ms < 3000, "took " + ms + " ms");
        assertEquals(1, server.requests.size());
        assertTrue(t.timingsMs().get("lmm") >= 350, t.timingsMs().toString());
    }

    @Test
    void theRequestDeadlineBoundsTheCallTimeout() throws Exception {
        server.then(new FakeLmmServer.Hang());
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.budget = new Budget(5, 5, Instant.now().plusMillis(400));
        long t0 = System.nanoTime();
        PolicyTurn t = policy(config()).next(ctx).get(5, TimeUnit.SECONDS); // configured 60 s
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(t.error().contains("timed out"), t.error());
        assertTrue(ms < 3000, "took " + ms + " ms");
    }

    @Test
    void noTimeLeftFailsWithoutCalling() throws Exception {
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.budget = new Budget(5, 5, Instant.now().minusSeconds(1));
        PolicyTurn t = policy(config()).next(ctx).get(5, TimeUnit.SECONDS);
        assertTrue(t.error().contains("no time left"), t.error());
        assertEquals(0, server.requests.size());
    }

    @Test
    void serverErrorsGiveAClearErrorWithStatusAndExcerptButNoKey() throws Exception {
        server.then(new FakeLmmServer.Full(500, "{\"object\":\"error\",\"message\":\"CUDA out of memory\"}"));
        PolicyTurn t = policy(config()).next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS);
        assertTrue(t.actions().isEmpty());
        assertTrue(t.error().contains("HTTP 500"), t.error());
        assertTrue(t.error().contains("CUDA out of memory"), t.error());
        assertTrue(t.error().contains("/v1/chat/completions"), t.error());
        assertFalse(t.error().contains("sk-hidden-key"), t.error());
        assertEquals(1, server.requests.size(), "no retry on a server error");
    }

    @Test
    void errorExcerptsMaskImageDataAndTheKey() throws Exception {
        server.then(new FakeLmmServer.Full(400, "{\"message\":\"bad image data:image/jpeg;base64,QUJDREVGR0hJSktMTU5P "
                + "for key sk-hidden-key\"}"));
        PolicyTurn t = policy(config()).next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS);
        assertTrue(t.error().contains("HTTP 400") && t.error().contains("base64,..."), t.error());
        assertFalse(t.error().contains("QUJDREVGR0hJSktMTU5P"), t.error());
        assertFalse(t.error().contains("sk-hidden-key"), t.error());
    }

    @Test
    void aResponseThatIsNotAChatCompletionIsAClearError() throws Exception {
        server.then(new FakeLmmServer.Full(200, "{\"data\": []}"));
        PolicyTurn t = policy(config()).next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS);
        assertTrue(t.error().contains("has no choices"), t.error());
    }

    @Test
    void aResponseOverTheCapIsRejected() throws Exception {
        server.text("x".repeat(5000), "stop");
        PolicyTurn t = policy(config().withMaxResponseBytes(1000)).next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS);
        assertTrue(t.error().contains("over the cap of 1000 bytes"), t.error());
    }

    @Test
    void cancellingTheTurnAbortsTheHttpExchange() throws Exception {
        server.then(new FakeLmmServer.Trickle());
        CompletableFuture<PolicyTurn> f = policy(config()).next(new FakeContext("q", W, H));
        assertTrue(server.received.await(5, TimeUnit.SECONDS));
        Thread.sleep(100); // let the headers and a few bytes flow
        assertTrue(f.cancel(true));
        assertTrue(server.clientGone.await(5, TimeUnit.SECONDS), "the server saw the connection closed");
        assertThrows(CancellationException.class, f::join);
    }

    @Test
    void cancellingWhileTheImageIsEncodedSendsNothing() throws Exception {
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.imageFuture = new CompletableFuture<>();
        CompletableFuture<PolicyTurn> f = policy(config()).next(ctx);
        f.cancel(true);
        assertTrue(ctx.imageFuture.isCancelled(), "the pending image fetch is cancelled too");
        ctx.imageFuture.complete(FakeContext.IMAGE); // too late: ignored
        Thread.sleep(50);
        assertEquals(0, server.requests.size());
    }

    @Test
    void anImageThatCannotBeEncodedFailsTheTurn() throws Exception {
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.imageFuture = CompletableFuture.failedFuture(new IllegalStateException("decoder exploded"));
        PolicyTurn t = policy(config()).next(ctx).get(5, TimeUnit.SECONDS);
        assertTrue(t.error().contains("cannot encode the image") && t.error().contains("decoder exploded"), t.error());
        assertEquals(0, server.requests.size());
    }

    @Test
    void oneStatelessPolicyServesConcurrentRequests() throws Exception {
        server.respondWith(body -> {
            String q = body.at("/messages/1/content/1/text").asText().replaceAll("(?s).*Question: ", "");
            ObjectNode m = FakeLmmServer.message("");
            m.putArray("tool_calls").addObject().put("id", "x").put("type", "function").putObject("function")
                    .put("name", "answer").put("arguments", "{\"answer\": \"echo " + q + "\"}");
            return new FakeLmmServer.Full(200, FakeLmmServer.completion(m, "tool_calls"));
        });
        LmmPolicy p = policy(config());
        List<CompletableFuture<PolicyTurn>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) fs.add(p.next(new FakeContext("question " + i, W, H)));
        for (int i = 0; i < 16; i++) {
            assertEquals(List.of(new Action.Answer("echo question " + i)), fs.get(i).get(10, TimeUnit.SECONDS).actions());
        }
        assertEquals(16, server.requests.size());
    }

    @Test
    void aClosedPolicyRefusesNewTurns() {
        LmmPolicy p = policy(config());
        p.close();
        p.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> p.next(new FakeContext("q", W, H)).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException);
    }

    @Test
    void chatClientReportsStatusAndConnectionErrors() throws Exception {
        server.then(new FakeLmmServer.Full(401, "{\"error\":\"bad key\"}"));
        try (ChatClient c = new ChatClient(server.baseUrl(), "sk-test-key-401", 1 << 20, Duration.ofSeconds(2))) {
            ObjectNode body = FakeLmmServer.message("x");
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.complete(body, Duration.ofSeconds(5)).get());
            LmmException le = (LmmException) e.getCause();
            assertEquals(401, le.status());
            assertTrue(le.getMessage().contains("HTTP 401: {\"error\":\"bad key\"}"), le.getMessage());
        }
        URI dead = URI.create("http://127.0.0.1:1/v1");
        try (ChatClient c = new ChatClient(dead, null, 1 << 20, Duration.ofSeconds(2))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> c.complete(FakeLmmServer.message("x"), Duration.ofSeconds(5)).get());
            LmmException le = (LmmException) e.getCause();
            assertEquals(-1, le.status());
            assertTrue(le.getMessage().contains("127.0.0.1:1/v1/chat/completions"), le.getMessage());
        }
    }

    @Test
    void endpointIsBaseUrlPlusChatCompletions() {
        assertEquals(URI.create("http://h:8000/v1/chat/completions"), ChatClient.endpoint(URI.create("http://h:8000/v1/")));
        assertThrows(IllegalArgumentException.class, () -> ChatClient.endpoint(URI.create("ftp://h/v1")));
        assertThrows(IllegalArgumentException.class, () -> ChatClient.endpoint(URI.create("/v1")));
    }
}
