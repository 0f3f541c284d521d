/**
 * Model inputs from images: a {@link dev.gog.preprocess.PreprocessSpec} (size, filter, recipe,
 * normalisation; readable from a Hugging Face {@code preprocessor_config.json}) and the
 * {@link dev.gog.preprocess.Preprocessor} that runs it as one fused native call per batch.
 */
package dev.gog.preprocess;
