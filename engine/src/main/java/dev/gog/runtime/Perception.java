package dev.gog.runtime;

import dev.gog.gaze.GazeDecision;
import dev.gog.gaze.GazeGeometry;
import dev.gog.gaze.RelevanceMap;
import java.util.Map;

/**
 * The Selective Gaze analysis of a request's image against its question: the relevance map on
 * the whole frame, the glance-or-gaze decision with its statistics and boxes, and the
 * embeddings. Computed once per request, on first use, through the batching scheduler.
 *
 * @param decision GLANCE or GAZE, the statistics, the boxes in original pixels (best first)
 * @param map the relevance map on the frame's patch grid
 * @param geometry how the grid sits on the original image
 * @param frameEmbedding the whole frame's L2-normalised image embedding
 * @param questionEmbedding the question's L2-normalised text embedding
 * @param timingsMs milliseconds per stage ({@code frame}, {@code encode}, {@code score})
 */
public record Perception(GazeDecision decision, RelevanceMap map, GazeGeometry geometry, float[] frameEmbedding,
                         float[] questionEmbedding, Map<String, Double> timingsMs) {}
