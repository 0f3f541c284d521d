package dev.gog.runtime.lmm;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** The registry of {@link ActionProfile}s by name. Thread-safe. */
public final class ActionProfiles {
    private ActionProfiles() {}

    private static final Map<String, Supplier<ActionProfile>> PROFILES = Map.of(
            ToolCallProfile.NAME, ToolCallProfile::new,
            TagProfile.NAME, TagProfile::new);

    /**
     * The profile registered as {@code name} (case-insensitive): {@code tools} (OpenAI tool calls,
     * the default) or {@code tags} (MMSearch-R1-style tags).
     *
     * @param name the name
     * @return a profile instance
     * @throws IllegalArgumentException if no profile has that name (the message lists the names)
     * @throws NullPointerException if {@code name} is null
     */
    public static ActionProfile byName(String name) {
        Supplier<ActionProfile> s = PROFILES.get(name.strip().toLowerCase(Locale.ROOT));
        if (s == null) throw new IllegalArgumentException("unknown LMM action profile '" + name + "'; known: " + names());
        return s.get();
    }

    /** The registered names, sorted. */
    public static List<String> names() {
        return PROFILES.keySet().stream().sorted().toList();
    }

    /** The default profile: {@code tools}. */
    public static ActionProfile defaultProfile() {
        return new ToolCallProfile();
    }
}
