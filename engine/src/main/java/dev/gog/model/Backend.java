package dev.gog.model;

/**
 * Where an {@link Encoder} runs its forward passes.
 *
 * <p>Both backends take the same model directory, configuration and tensors, validate inputs the
 * same way and return tensors of the same shapes in host memory; they differ in numerics only
 * within the tolerances documented in {@code kernels/include/gog/gog_cuda.h} (fp32 within about
 * 1e-4 of the CPU reference on unit-length outputs; bf16 with the CPU's definition).
 */
public enum Backend {
    /** libgog's CPU kernels ({@code gog_encoder_*}). */
    CPU,
    /**
     * libgog_cuda's encoder ({@code gog_cuda_encoder_*}) on the device
     * {@link Encoder.Options#cudaDevice()}; loading fails with a
     * {@link dev.gog.bindings.GogException} ({@link dev.gog.bindings.GogErrorCode#NO_DEVICE})
     * when libgog_cuda, a driver or the device is missing.
     */
    CUDA,
    /**
     * {@link #CUDA} when libgog_cuda is loaded, sees the device {@link Encoder.Options#cudaDevice()},
     * the options do not pin a CPU kernel variant ({@link Encoder.Options#isa()} is
     * {@link dev.gog.bindings.CpuIsa#AUTO}) and the CUDA encoder can be created; else
     * {@link #CPU}, with one log line saying why. Never the backend an encoder reports as in use
     * ({@link Encoder#backend()}).
     */
    AUTO;

    /**
     * Parses {@code cpu}, {@code cuda} or {@code auto} (any case).
     *
     * @param name the name
     * @return the backend
     * @throws IllegalArgumentException for any other name (the message lists the valid ones)
     */
    public static Backend parse(String name) {
        if (name != null) {
            switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "cpu" -> { return CPU; }
                case "cuda" -> { return CUDA; }
                case "auto" -> { return AUTO; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("backend must be cpu, cuda or auto, got '" + name + "'");
    }
}
