package dev.gog.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Answers from evidence without a model: the entity (result title) most supported across all the
 * searches of a request, and, when the question names a relation that the entity's text states as a
 * {@code relation: value} line (the corpus's "Facts:" block, Wikidata style), that value.
 *
 * <p>Support is reciprocal-rank fusion over every step's result list: a title at rank r (from 1)
 * of a list adds {@code 1 / (60 + r)}, so an entity found by the glance, a gaze and a text search
 * outranks one found once. Stateless; thread-safe.
 */
public final class Aggregator {
    /** The RRF constant (as the embedded index's hybrid ranking uses). */
    static final int RRF_K = 60;

    private static final Set<String> STOP = Set.of("a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "is",
            "are", "was", "were", "be", "this", "that", "these", "those", "what", "which", "who", "whom", "whose",
            "where", "when", "why", "how", "it", "its", "does", "do", "did", "from", "with", "as", "and", "or",
            "has", "have", "had", "there", "here", "one", "image", "picture", "photo", "shown");

    private Aggregator() {}

    /**
     * An entity and its support.
     *
     * @param title the entity (a result title)
     * @param support its fused support
     * @param evidence the results that name it, best first
     */
    public record Candidate(String title, double support, List<Evidence> evidence) {}

    /**
     * What the evidence says.
     *
     * @param text the answer (a fact's value, or the best entity's title)
     * @param evidence the results it rests on, most supportive first
     * @param rule how it was chosen: {@code fact "relation"} or {@code entity}
     */
    public record Conclusion(String text, List<Evidence> evidence, String rule) {}

    /** Every entity found in {@code steps}, most supported first (ties by title). */
    public static List<Candidate> rank(List<Step> steps) {
        Map<String, Double> support = new LinkedHashMap<>();
        Map<String, List<Evidence>> ev = new LinkedHashMap<>();
        Map<String, String> display = new LinkedHashMap<>();
        for (Step s : steps) {
            Set<String> seen = new HashSet<>();
            int r = 0;
            for (Evidence e : s.results()) {
                r++;
                String key = key(e);
                if (key.isEmpty() || !seen.add(key)) continue;
                support.merge(key, 1.0 / (RRF_K + r), Double::sum);
                ev.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
                display.putIfAbsent(key, e.title().isBlank() ? e.url() : e.title().strip());
            }
        }
        List<Candidate> out = new ArrayList<>();
        support.forEach((k, v) -> out.add(new Candidate(display.get(k), v, ev.get(k))));
        out.sort(Comparator.comparingDouble(Candidate::support).reversed().thenComparing(Candidate::title));
        return out;
    }

    /**
     * The answer the evidence supports, or null when no step found anything.
     *
     * @param question the question (its words pick a fact's relation)
     * @param steps the request's steps
     */
    public static Conclusion conclude(String question, List<Step> steps) {
        List<Candidate> ranked = rank(steps);
        if (ranked.isEmpty()) return null;
        Candidate best = ranked.get(0);
        Set<String> q = words(question);
        for (Evidence e : best.evidence()) {
            Fact f = fact(q, e.snippet());
            if (f != null) {
                return new Conclusion(f.value, withFirst(e, best.evidence()), "fact \"" + f.relation + "\" of " + best.title());
            }
        }
        return new Conclusion(best.title(), best.evidence(), "entity");
    }

    /**
     * The results that support an answer another policy gave: those whose title or snippet
     * contains it (case-insensitive), else the best entity's.
     */
    public static List<Evidence> evidenceFor(String answer, List<Step> steps) {
        String a = answer.toLowerCase(Locale.ROOT).strip();
        List<Evidence> hits = new ArrayList<>();
        for (Step s : steps) {
            for (Evidence e : s.results()) {
                if (!a.isEmpty() && (e.title().toLowerCase(Locale.ROOT).contains(a) || e.snippet().toLowerCase(Locale.ROOT).contains(a))) {
                    hits.add(e);
                }
            }
        }
        if (!hits.isEmpty()) return hits;
        List<Candidate> ranked = rank(steps);
        return ranked.isEmpty() ? List.of() : ranked.get(0).evidence();
    }

    /** The content words of a text, lower-cased. */
    static Set<String> words(String text) {
        Set<String> out = new HashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty() && !STOP.contains(w)) out.add(w);
        }
        return out;
    }

    private record Fact(String relation, String value) {}

    /** The {@code relation: value} line whose relation's content words all occur in the question (the longest such). */
    private static Fact fact(Set<String> question, String text) {
        Fact best = null;
        int bestWords = 0;
        for (String line : text.split("\\R")) {
            int c = line.indexOf(':');
            if (c <= 0 || c == line.length() - 1) continue;
            String rel = line.substring(0, c).strip();
            String val = line.substring(c + 1).strip();
            if (rel.isEmpty() || val.isEmpty() || rel.length() > 60) continue;
            Set<String> rw = words(rel);
            if (rw.isEmpty() || !question.containsAll(rw)) continue;
            if (rw.size() > bestWords) {
                best = new Fact(rel, val.endsWith("…") ? val.substring(0, val.length() - 1).strip() : val);
                bestWords = rw.size();
            }
        }
        return best;
    }

    private static String key(Evidence e) {
        String t = e.title().isBlank() ? e.url() : e.title();
        return t.strip().toLowerCase(Locale.ROOT);
    }

    private static List<Evidence> withFirst(Evidence first, List<Evidence> all) {
        List<Evidence> out = new ArrayList<>(all.size());
        out.add(first);
        for (Evidence e : all) if (e != first) out.add(e);
        return out;
    }
}
