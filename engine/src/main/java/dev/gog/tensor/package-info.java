/**
 * Dense host tensors ({@link dev.gog.tensor.Tensor}) with explicit ownership, their element
 * types and a NumPy {@code .npy} writer.
 */
package dev.gog.tensor;
