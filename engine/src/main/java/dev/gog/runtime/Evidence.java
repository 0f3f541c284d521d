package dev.gog.runtime;

/**
 * A search result that an answer rests on, with where it came from.
 *
 * @param step the index (0-based) of the trace step that found it
 * @param via how it was found: {@code glance}, {@code gaze}, {@code reflect} or {@code text_search}
 * @param title the result's title (may be empty)
 * @param url the result's URL (may be empty)
 * @param snippet the result's text snippet (may be empty)
 * @param score the provider's score (higher is better; scales differ between providers)
 * @param provider the provider's name
 */
public record Evidence(int step, String via, String title, String url, String snippet, double score, String provider) {
    /** Replaces nulls by empty strings. */
    public Evidence {
        via = via == null ? "" : via;
        title = title == null ? "" : title;
        url = url == null ? "" : url;
        snippet = snippet == null ? "" : snippet;
        provider = provider == null ? "" : provider;
    }
}
