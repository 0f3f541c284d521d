/**
 * The native boundary of the GoG engine: {@link dev.gog.bindings.NativeLibrary} loads libgog,
 * {@link dev.gog.bindings.GogNative} and {@link dev.gog.bindings.CudaNative} hold one FFM
 * downcall per C function, {@link dev.gog.bindings.GogStructs} the C struct layouts, and
 * {@link dev.gog.bindings.GogException} carries native failures. No policy lives here: the
 * engine module validates arguments and owns memory.
 */
package dev.gog.bindings;
