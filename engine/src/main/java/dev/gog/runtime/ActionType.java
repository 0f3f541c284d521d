package dev.gog.runtime;

/** What one step of a request did; the {@code action} field of a trace step. */
public enum ActionType {
    /** The policy answered; the request ends. */
    ANSWER,
    /** A text search with a query. */
    TEXT_SEARCH,
    /** Glance: image search with the whole image. */
    IMAGE_SEARCH,
    /** Gaze: crop a region, then image search with the crop. */
    GAZE,
    /** Reflection: another gaze, at another region, after poor results. */
    REFLECT;

    /** The name used in JSON and in LMM tool formats ({@code text_search}, ...). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** True for the actions that call a search provider. */
    public boolean isSearch() {
        return this != ANSWER;
    }
}
