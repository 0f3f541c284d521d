package dev.gog.runtime;

import dev.gog.image.Box;
import java.util.Objects;

/**
 * One thing a {@link Policy} asks the engine to do. Several actions in one turn run
 * concurrently (the searches of a turn do not wait for each other); an {@link Answer} ends the
 * request and must be the only action of its turn.
 */
public sealed interface Action {
    /** The kind of action. */
    ActionType type();

    /**
     * Answer the question.
     *
     * @param text the answer (not blank)
     */
    record Answer(String text) implements Action {
        /** Validates. */
        public Answer {
            Objects.requireNonNull(text, "text");
            if (text.isBlank()) throw new IllegalArgumentException("empty answer");
        }

        @Override
        public ActionType type() {
            return ActionType.ANSWER;
        }
    }

    /**
     * Text search.
     *
     * @param query the query (not blank)
     */
    record TextSearch(String query) implements Action {
        /** Validates. */
        public TextSearch {
            Objects.requireNonNull(query, "query");
            if (query.isBlank()) throw new IllegalArgumentException("empty text_search query");
        }

        @Override
        public ActionType type() {
            return ActionType.TEXT_SEARCH;
        }
    }

    /** Glance: image search with the whole image. */
    record ImageSearch() implements Action {
        @Override
        public ActionType type() {
            return ActionType.IMAGE_SEARCH;
        }
    }

    /**
     * Gaze: crop {@code box} from the original image and image-search the crop.
     *
     * @param box the region in original-image pixels (half-open, float edges); a policy maps an
     *     LMM's box to this frame with {@link dev.gog.gaze.BoxFrames#toOriginal}
     * @param reflection true when this gaze retries after poor results (traced as {@code reflect})
     */
    record Gaze(Box box, boolean reflection) implements Action {
        /** Validates. */
        public Gaze {
            Objects.requireNonNull(box, "box");
        }

        @Override
        public ActionType type() {
            return reflection ? ActionType.REFLECT : ActionType.GAZE;
        }
    }
}
