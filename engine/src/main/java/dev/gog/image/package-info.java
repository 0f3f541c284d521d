/**
 * Decoded images in off-heap memory: {@link dev.gog.image.Image} (JPEG and PNG through libgog,
 * EXIF orientation applied, optional DCT-scaled JPEG decode), {@link dev.gog.image.ImageInfo},
 * {@link dev.gog.image.DecodeOptions} and {@link dev.gog.image.Box}.
 *
 * <p>Coordinates, everywhere: float pixel-edge coordinates, half-open boxes [x1,x2) x [y1,y2),
 * on the EXIF-oriented original image (before any DCT scaling).
 */
package dev.gog.image;
