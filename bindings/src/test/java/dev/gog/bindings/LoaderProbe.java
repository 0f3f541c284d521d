package dev.gog.bindings;

import java.io.File;
import java.util.Arrays;

/**
 * Run in a child JVM by {@link NativeLibraryTest}: loads libgog and prints one line
 * "source=... abi=... extracted=N" on stdout, where N counts gog-native-* entries left in
 * java.io.tmpdir after loading (0: the extracted files were removed). A load failure prints
 * "error=<message>" and exits with 3.
 */
public final class LoaderProbe {
    private LoaderProbe() {}

    /**
     * Whether the libjpeg and libpng this process mapped come from the directory libgog.so was
     * loaded from (the bundled copies, found through libgog's $ORIGIN RUNPATH), per /proc/self/maps.
     */
    static boolean bundledBesideLibgog() {
        try {
            java.util.List<String> maps = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"));
            String gog = mappedDir(maps, "/libgog.so");
            return gog != null && gog.equals(mappedDir(maps, "/libjpeg.so.62"))
                    && gog.equals(mappedDir(maps, "/libpng16.so.16"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String mappedDir(java.util.List<String> maps, String name) {
        for (String line : maps) {
            int i = line.indexOf('/');
            if (i < 0) continue;
            String path = line.substring(i).replace(" (deleted)", "");
            if (path.endsWith(name)) return path.substring(0, path.length() - name.length());
        }
        return null;
    }

    public static void main(String[] args) {
        try {
            NativeLibrary lib = NativeLibrary.get();
            File[] left = new File(System.getProperty("java.io.tmpdir"))
                    .listFiles((d, n) -> n.startsWith("gog-native-"));
            System.out.println("source=" + lib.source() + " abi=" + lib.abiVersion() + " version=" + lib.version()
                    + " extracted=" + (left == null ? 0 : left.length) + " cuda=" + lib.cudaLoaded()
                    + " last=" + GogNative.lastError().isEmpty() + " bundled=" + bundledBesideLibgog()
                    + (left != null && left.length > 0 ? " files=" + Arrays.toString(left) : ""));
        } catch (UnsatisfiedLinkError e) {
            System.out.println("error=" + e.getMessage());
            // A second call reports the same failure.
            try {
                NativeLibrary.get();
            } catch (UnsatisfiedLinkError again) {
                System.out.println("again=" + again.getMessage().equals(e.getMessage()));
            }
            System.exit(3);
        }
    }
}
