package dev.gog.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each load source in a fresh JVM (a library loads once per class loader): the class path jar,
 * the gog.native.path property, java.library.path, nothing at all, and a library with the
 * wrong ABI version.
 */
class NativeLibraryTest {
    @TempDir
    Path tmp;

    private static final String PLATFORM_DIR = "dev/gog/native/" + NativeLibrary.platform() + "/";

    /** The test class path (surefire passes it in a property when it uses a manifest jar). */
    private static List<String> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ArrayList<>(Arrays.asList(cp.split(File.pathSeparator)));
    }

    private static boolean isNativeEntry(String e) {
        return e.contains("gog-native") || e.replace('\\', '/').contains("native/target/classes");
    }

    /** A directory holding libgog.so and its bundled libraries, from the class path entry. */
    private Path nativeDir() throws IOException {
        for (String e : classPath()) {
            if (!isNativeEntry(e)) continue;
            Path p = Path.of(e);
            if (Files.isDirectory(p)) return p.resolve(PLATFORM_DIR);
            Path out = Files.createDirectories(tmp.resolve("native"));
            try (JarFile jar = new JarFile(p.toFile())) {
                for (ZipEntry z : java.util.Collections.list(jar.entries())) {
                    if (z.isDirectory() || !z.getName().startsWith(PLATFORM_DIR)) continue;
                    try (InputStream in = jar.getInputStream(z)) {
                        Files.copy(in, out.resolve(z.getName().substring(PLATFORM_DIR.length())));
                    }
                }
            }
            return out;
        }
        throw new IllegalStateException("gog-native is not on the test class path: " + classPath());
    }

    private record Result(int exit, String out, String err) {}

    private Result probe(boolean withNativeJar, String... jvmArgs) throws Exception {
        List<String> cp = classPath();
        if (!withNativeJar) cp.removeIf(NativeLibraryTest::isNativeEntry);
        Path probeTmp = Files.createTempDirectory(tmp, "jtmp");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Djava.io.tmpdir=" + probeTmp);
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, cp));
        cmd.add(LoaderProbe.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void fromTheClassPathJarExtractsLoadsLogsAndCleansUp() throws Exception {
        Result r = probe(true);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("source=CLASS_PATH"), r.out());
        assertTrue(r.out().contains("abi=" + GogNative.ABI_VERSION), r.out());
        assertTrue(r.out().contains("extracted=0"), "temporary files must be removed: " + r.out());
        // libjpeg and libpng come from the jar, beside libgog, not from the system.
        assertTrue(r.out().contains("bundled=true"), r.out());
        // One INFO line names the source and the CPU kernels.
        long lines = r.err().lines().filter(l -> l.contains("libgog") && l.contains("from the class path")).count();
        assertEquals(1, lines, r.err());
        assertTrue(r.err().contains("CPU kernels"), r.err());
    }

    @Test
    void fromTheSystemPropertyDirectoryOrFile() throws Exception {
        Path dir = nativeDir();
        Result r = probe(false, "-D" + NativeLibrary.PATH_PROPERTY + "=" + dir);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("source=SYSTEM_PROPERTY"), r.out());
        Result f = probe(true, "-D" + NativeLibrary.PATH_PROPERTY + "=" + dir.resolve("libgog.so"));
        assertTrue(f.out().contains("source=SYSTEM_PROPERTY"), f.out());
        assertTrue(f.err().contains("-D" + NativeLibrary.PATH_PROPERTY), f.err());
    }

    @Test
    void aWrongSystemPropertyFallsBackToTheJarWithAWarning() throws Exception {
        Result r = probe(true, "-D" + NativeLibrary.PATH_PROPERTY + "=" + tmp.resolve("nowhere"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("source=CLASS_PATH"), r.out());
        assertTrue(r.err().contains("WARN"), r.err());
    }

    @Test
    void fromJavaLibraryPath() throws Exception {
        Result r = probe(false, "-Djava.library.path=" + nativeDir());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("source=LIBRARY_PATH"), r.out());
    }

    @Test
    void nothingToLoadListsEveryAttempt() throws Exception {
        Result r = probe(false, "-Djava.library.path=" + tmp);
        assertEquals(3, r.exit(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("error=cannot load libgog"), out);
        assertTrue(out.contains(NativeLibrary.PATH_PROPERTY + " (not set)"), out);
        assertTrue(out.contains("gog-native.list (not found)"), out);
        assertTrue(out.contains("java.library.path"), out);
        assertTrue(out.contains("again=true"), out);
    }

    @Test
    void aLibraryWithAnotherAbiIsRefused() throws Exception {
        Path cc = findCompiler();
        assumeTrue(cc != null, "no C compiler to build a fake libgog");
        Path src = tmp.resolve("fake.c");
        Files.writeString(src, """
                #include <stdint.h>
                int32_t gog_abi_version(void) { return 999; }
                const char *gog_version(void) { return "9.9.9"; }
                int32_t gog_cpu_default_isa(void) { return 1; }
                int32_t gog_cpu_best_isa(void) { return 1; }
                """);
        Path dir = Files.createDirectories(tmp.resolve("fake"));
        Process p = new ProcessBuilder(cc.toString(), "-shared", "-fPIC", "-o", dir.resolve("libgog.so").toString(),
                src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0, "cannot compile the fake library: " + log);
        Result r = probe(false, "-D" + NativeLibrary.PATH_PROPERTY + "=" + dir);
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("ABI version 999"), r.out());
        assertTrue(r.out().contains("need " + GogNative.ABI_VERSION), r.out());
    }

    @Test
    void checkAbi() {
        NativeLibrary.checkAbi("x", 1, 1);
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.checkAbi("/lib/x.so", 2, 1));
        assertTrue(e.getMessage().contains("/lib/x.so has ABI version 2"), e.getMessage());
    }

    private static Path findCompiler() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : new String[] {"cc", "gcc", "clang"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }
}
