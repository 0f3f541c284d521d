package dev.gog.runtime;

import dev.gog.search.SearchProvider;
import dev.gog.search.SearchQuery;
import dev.gog.search.SearchResponse;
import dev.gog.search.SearchResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A scripted search provider for the runtime tests: records queries, answers through a function. */
public final class FakeProvider implements SearchProvider {
    public final List<SearchQuery> queries = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<SearchResponse>> futures = new CopyOnWriteArrayList<>();
    public final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    private final Set<Capability> caps;
    private final Function<SearchQuery, CompletableFuture<SearchResponse>> answer;
    volatile boolean closed;

    FakeProvider(Set<Capability> caps, Function<SearchQuery, CompletableFuture<SearchResponse>> answer) {
        this.caps = caps;
        this.answer = answer;
    }

    /** Answers at once: image queries with {@code image}, text queries with {@code text}. */
    public static FakeProvider fixed(List<SearchResult> image, List<SearchResult> text) {
        return new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT),
                q -> CompletableFuture.completedFuture(response(q instanceof SearchQuery.Text ? text : image)));
    }

    /** Never answers (until cancelled). */
    static FakeProvider hanging() {
        return new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT), q -> new CompletableFuture<>());
    }

    static SearchResponse response(List<SearchResult> results) {
        return new SearchResponse(results, "fake", Duration.ofMillis(1), false);
    }

    static SearchResult result(String title, String text, double score) {
        return new SearchResult(title, "https://example.org/" + title.replace(' ', '_'), text, null, null, score, "fake");
    }

    public static List<SearchResult> results(Object... titleTextScore) {
        List<SearchResult> out = new ArrayList<>();
        for (int i = 0; i < titleTextScore.length; i += 3) {
            out.add(result((String) titleTextScore[i], (String) titleTextScore[i + 1], ((Number) titleTextScore[i + 2]).doubleValue()));
        }
        return out;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Set<Capability> capabilities() {
        return caps;
    }

    @Override
    public CompletableFuture<SearchResponse> search(SearchQuery query) {
        queries.add(query);
        int c = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(c, Math::max);
        CompletableFuture<SearchResponse> f = answer.apply(query);
        futures.add(f);
        f.whenComplete((r, t) -> {
            concurrent.decrementAndGet();
            if (t instanceof java.util.concurrent.CancellationException) cancelled.incrementAndGet();
        });
        return f;
    }

    @Override
    public void close() {
        closed = true;
    }
}
