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

    public static void main(String[] args) {
        try {
            NativeLibrary lib = NativeLibrary.get();
            File[] left = new File(System.getProperty("java.io.tmpdir"))
                    .listFiles((d, n) -> n.startsWith("gog-native-"));
            System.out.println("source=" + lib.source() + " abi=" + lib.abiVersion() + " version=" + lib.version()
                    + " extracted=" + (left == null ? 0 : left.length) + " cuda=" + lib.cudaLoaded()
                    + " last=" + GogNative.lastError().isEmpty()
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
