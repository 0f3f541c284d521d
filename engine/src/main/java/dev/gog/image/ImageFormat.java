package dev.gog.image;

/** Encoded image formats ({@code GOG_FORMAT_*}). */
public enum ImageFormat {
    /** Not recognised, or pixels that never were encoded ({@link Image#wrap}). */
    UNKNOWN,
    /** JPEG (JFIF/EXIF), decoded by libjpeg-turbo. */
    JPEG,
    /** PNG, decoded by libpng. */
    PNG;

    /** The lower-case name used in JSON output ("jpeg", "png", "unknown"). */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static ImageFormat fromCode(int code) {
        return switch (code) {
            case 1 -> JPEG;
            case 2 -> PNG;
            default -> UNKNOWN;
        };
    }
}
