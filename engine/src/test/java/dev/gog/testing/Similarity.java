package dev.gog.testing;

/** Comparisons of embeddings for the parity tests. */
public final class Similarity {
    private Similarity() {}

    /** The smallest cosine between matching rows of {@code a} and {@code b} (rows of {@code d} values), in double. */
    public static double minRowCosine(float[] a, float[] b, int d) {
        double worst = 1;
        for (int row = 0; row < a.length / d; row++) {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < d; k++) {
                dot += (double) a[row * d + k] * b[row * d + k];
                na += (double) a[row * d + k] * a[row * d + k];
                nb += (double) b[row * d + k] * b[row * d + k];
            }
            worst = Math.min(worst, dot / Math.sqrt(na * nb));
        }
        return worst;
    }
}
