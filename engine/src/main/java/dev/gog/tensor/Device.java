package dev.gog.tensor;

/** Where a tensor's memory lives. */
public enum Device {
    /** Host memory. */
    CPU,
    /** CUDA device memory. */
    CUDA
}
