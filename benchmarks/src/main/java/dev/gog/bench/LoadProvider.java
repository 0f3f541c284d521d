package dev.gog.bench;

import dev.gog.search.SearchProvider;
import dev.gog.search.SearchQuery;
import dev.gog.search.SearchResponse;
import dev.gog.search.SearchResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated asynchronous search backend: answers every query it can serve with {@code k}
 * made-up results after a jittered delay from a {@link LoadClock}; no thread waits per call.
 * Thread-safe.
 */
final class LoadProvider implements SearchProvider {
    private final String name;
    private final Set<Capability> capabilities;
    private final LoadClock clock;
    private final double meanMs;
    final LongAdder calls = new LongAdder();

    /**
     * @param name the provider's name
     * @param capabilities what it serves
     * @param clock the delay source (not owned)
     * @param meanMs mean latency per call (0: answers at once)
     */
    LoadProvider(String name, Set<Capability> capabilities, LoadClock clock, double meanMs) {
        this.name = name;
        this.capabilities = Set.copyOf(capabilities);
        this.clock = clock;
        this.meanMs = meanMs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public CompletableFuture<SearchResponse> search(SearchQuery query) {
        calls.increment();
        int k = query.k();
        String what = query instanceof SearchQuery.Text t ? t.text() : "image";
        long t0 = System.nanoTime();
        return clock.after(meanMs, () -> {
            List<SearchResult> out = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                out.add(new SearchResult("Result " + i + " for " + what, "https://example.org/" + name + "/" + i,
                        "A simulated snippet about " + what + ".", null, null, 1.0 - i * 0.1, name));
            }
            return new SearchResponse(out, name, Duration.ofNanos(System.nanoTime() - t0), false);
        });
    }

    @Override
    public void close() {}
}
