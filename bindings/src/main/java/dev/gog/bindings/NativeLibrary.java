package dev.gog.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loader of libgog (and, when present, libgog_cuda). It loads once per class loader,
 * on first use, thread-safely (holder idiom), and tries in this order:
 *
 * <ol>
 *   <li>the system property {@value #PATH_PROPERTY}: a directory holding {@code libgog.so}, or
 *       the library file itself ({@code libgog_cuda.so} is loaded from the same directory when
 *       it is there);</li>
 *   <li>the platform jar on the class path: the files named in
 *       {@code dev/gog/native/<platform>/gog-native.list} (libjpeg, libpng, libgog,
 *       libgog_cuda) are extracted into one fresh temporary directory, {@code libgog.so} is
 *       loaded with {@link System#load} (its {@code $ORIGIN} RUNPATH finds the bundled
 *       libjpeg/libpng beside it), then every extracted file and the directory are deleted;</li>
 *   <li>{@code System.loadLibrary("gog")} through {@code java.library.path}.</li>
 * </ol>
 *
 * <p>It logs (INFO, once) which source was used and the CPU kernel variant chosen, and checks
 * {@code gog_abi_version()} against {@link GogNative#ABI_VERSION}. If nothing can be loaded, or
 * the ABI differs, {@link #get()} throws an {@link UnsatisfiedLinkError} whose message lists
 * every attempt; it throws the same message on every later call.
 */
@SuppressWarnings("restricted") // this class is where native access happens
public final class NativeLibrary {
    /** System property naming a directory with {@code libgog.so}, or the library file. */
    public static final String PATH_PROPERTY = "gog.native.path";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    private static final String LIB = "libgog.so";
    private static final String CUDA_LIB = "libgog_cuda.so";
    private static final String LIST = "gog-native.list";

    /** Where the library was loaded from. */
    public enum Source {
        /** The {@value NativeLibrary#PATH_PROPERTY} system property. */
        SYSTEM_PROPERTY,
        /** The platform jar on the class path (extracted to a temporary directory). */
        CLASS_PATH,
        /** {@code java.library.path}. */
        LIBRARY_PATH
    }

    private final Source source;
    private final String location;
    private final String version;
    private final int abiVersion;
    private final CpuIsa defaultIsa;
    private final CpuIsa bestIsa;
    private final boolean cudaLoaded;

    private NativeLibrary(Source source, String location, String version, int abiVersion,
                          CpuIsa defaultIsa, CpuIsa bestIsa, boolean cudaLoaded) {
        this.source = source;
        this.location = location;
        this.version = version;
        this.abiVersion = abiVersion;
        this.defaultIsa = defaultIsa;
        this.bestIsa = bestIsa;
        this.cudaLoaded = cudaLoaded;
    }

    /** Holder idiom: the JVM runs this initialiser once, on first use, and publishes it safely. */
    private static final class Holder {
        static final NativeLibrary LIBRARY;
        static final String FAILURE;

        static {
            NativeLibrary lib = null;
            String failure = null;
            try {
                lib = load();
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                failure = e.getMessage();
            }
            LIBRARY = lib;
            FAILURE = failure;
        }
    }

    /**
     * The loaded library; loads it on the first call.
     *
     * @return the library (the same instance on every call)
     * @throws UnsatisfiedLinkError if libgog could not be loaded (the message lists what was
     *     tried) or its ABI version differs from {@link GogNative#ABI_VERSION}
     */
    public static NativeLibrary get() {
        NativeLibrary lib = Holder.LIBRARY;
        if (lib == null) throw new UnsatisfiedLinkError(Holder.FAILURE);
        return lib;
    }

    /** Whether libgog is (or can be) loaded; loads it if it was not. Never throws. */
    public static boolean isAvailable() {
        return Holder.LIBRARY != null;
    }

    /** Which source the library came from. */
    public Source source() {
        return source;
    }

    /** The path (or library name) that was loaded. For {@link Source#CLASS_PATH} the jar entry. */
    public String location() {
        return location;
    }

    /** {@code gog_version()}, e.g. "0.1.0". */
    public String version() {
        return version;
    }

    /** {@code gog_abi_version()} (equal to {@link GogNative#ABI_VERSION}). */
    public int abiVersion() {
        return abiVersion;
    }

    /** The CPU kernel variant {@link CpuIsa#AUTO} resolves to. */
    public CpuIsa defaultIsa() {
        return defaultIsa;
    }

    /** The best CPU kernel variant this machine runs. */
    public CpuIsa bestIsa() {
        return bestIsa;
    }

    /** Whether libgog_cuda was found and loaded (it may still see no device). */
    public boolean cudaLoaded() {
        return cudaLoaded;
    }

    /** The platform directory name inside the native jar, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.replaceAll("[^a-z0-9]", "");
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return o + "-" + a;
    }

    @Override
    public String toString() {
        return "libgog " + version + " (ABI " + abiVersion + ") from " + describe(source) + " "
                + location + ", CPU kernels " + isaName(defaultIsa)
                + (defaultIsa != bestIsa ? " (best " + isaName(bestIsa) + ", capped by GOG_ISA)" : "")
                + (cudaLoaded ? ", libgog_cuda loaded" : "");
    }

    private static String describe(Source s) {
        return switch (s) {
            case SYSTEM_PROPERTY -> "-D" + PATH_PROPERTY;
            case CLASS_PATH -> "the class path";
            case LIBRARY_PATH -> "java.library.path";
        };
    }

    // --- loading -----------------------------------------------------------------------------

    private record Loaded(Source source, String location, boolean cuda) {}

    private static NativeLibrary load() {
        List<String> tried = new ArrayList<>();
        Loaded loaded = fromProperty(tried);
        if (loaded == null) loaded = fromClassPath(tried);
        if (loaded == null) loaded = fromLibraryPath(tried);
        if (loaded == null) {
            throw new UnsatisfiedLinkError("cannot load libgog for " + platform() + "; tried: "
                    + String.join("; ", tried)
                    + ". Put the gog-native jar (classifier " + platform() + ") on the class path, "
                    + "or set -D" + PATH_PROPERTY + "=<directory with " + LIB + ">");
        }
        NativeLibrary lib = inspect(loaded);
        LOG.info("{}", lib);
        return lib;
    }

    private static Loaded fromProperty(List<String> tried) {
        String prop = System.getProperty(PATH_PROPERTY);
        if (prop == null || prop.isBlank()) {
            tried.add("-D" + PATH_PROPERTY + " (not set)");
            return null;
        }
        Path p = Path.of(prop).toAbsolutePath();
        Path lib = Files.isDirectory(p) ? p.resolve(LIB) : p;
        if (!Files.isRegularFile(lib)) {
            tried.add("-D" + PATH_PROPERTY + "=" + prop + " (no file " + lib + ")");
            LOG.warn("-D{}={}: {} does not exist; trying the other sources", PATH_PROPERTY, prop, lib);
            return null;
        }
        try {
            System.load(lib.toString());
        } catch (UnsatisfiedLinkError e) {
            tried.add("-D" + PATH_PROPERTY + "=" + prop + " (" + e.getMessage() + ")");
            LOG.warn("-D{}={}: {}; trying the other sources", PATH_PROPERTY, prop, e.getMessage());
            return null;
        }
        Path dir = lib.getParent();
        boolean cuda = dir != null && Files.isRegularFile(dir.resolve(CUDA_LIB))
                && loadCuda(() -> System.load(dir.resolve(CUDA_LIB).toString()));
        return new Loaded(Source.SYSTEM_PROPERTY, lib.toString(), cuda);
    }

    private static Loaded fromClassPath(List<String> tried) {
        String base = "dev/gog/native/" + platform() + "/";
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        URL listUrl = cl == null ? ClassLoader.getSystemResource(base + LIST) : cl.getResource(base + LIST);
        if (listUrl == null) {
            tried.add("class path resource " + base + LIST + " (not found)");
            return null;
        }
        List<String> files;
        try (InputStream in = listUrl.openStream()) {
            files = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            tried.add("class path resource " + base + LIST + " (unreadable: " + e.getMessage() + ")");
            return null;
        }
        for (String f : files) {
            if (f.contains("/") || f.contains("\\") || f.startsWith(".")) {
                tried.add("class path resource " + base + LIST + " (bad entry '" + f + "')");
                return null;
            }
        }
        if (!files.contains(LIB)) {
            tried.add("class path resource " + base + LIST + " (does not list " + LIB + ")");
            return null;
        }
        Path dir = null;
        List<Path> extracted = new ArrayList<>();
        try {
            dir = Files.createTempDirectory("gog-native-");
            for (String f : files) {
                URL u = cl == null ? ClassLoader.getSystemResource(base + f) : cl.getResource(base + f);
                if (u == null) throw new IOException("listed file " + base + f + " is missing");
                Path target = dir.resolve(f);
                try (InputStream in = u.openStream()) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                extracted.add(target);
            }
            System.load(dir.resolve(LIB).toString());
            Path cudaPath = dir.resolve(CUDA_LIB);
            boolean cuda = files.contains(CUDA_LIB) && loadCuda(() -> System.load(cudaPath.toString()));
            return new Loaded(Source.CLASS_PATH, listUrl.toString().replace(LIST, LIB), cuda);
        } catch (IOException | UnsatisfiedLinkError e) {
            tried.add("class path jar " + listUrl + " (" + e.getMessage() + "; extracted to "
                    + (dir == null ? System.getProperty("java.io.tmpdir") : dir)
                    + ": if that file system is mounted noexec, set -Djava.io.tmpdir or -D" + PATH_PROPERTY + ")");
            return null;
        } finally {
            // The loaded libraries stay mapped; their files are not needed any more.
            for (Path p : extracted) deleteQuietly(p);
            if (dir != null) deleteQuietly(dir);
        }
    }

    private static Loaded fromLibraryPath(List<String> tried) {
        try {
            System.loadLibrary("gog");
        } catch (UnsatisfiedLinkError e) {
            tried.add("System.loadLibrary(\"gog\") with java.library.path="
                    + System.getProperty("java.library.path") + " (" + e.getMessage() + ")");
            return null;
        }
        boolean cuda = loadCuda(() -> System.loadLibrary("gog_cuda"));
        return new Loaded(Source.LIBRARY_PATH, System.mapLibraryName("gog"), cuda);
    }

    /** libgog_cuda is optional: a failure to load it is logged, never fatal. */
    private static boolean loadCuda(Runnable loader) {
        try {
            loader.run();
            return true;
        } catch (UnsatisfiedLinkError e) {
            LOG.debug("libgog_cuda not loaded: {}", e.getMessage());
            return false;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", p, e.getMessage());
            p.toFile().deleteOnExit();
        }
    }

    /** Reads version, ABI and ISA with a few private downcalls and checks the ABI. */
    private static NativeLibrary inspect(Loaded loaded) {
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        Linker linker = Linker.nativeLinker();
        MemorySegment abiFn = lookup.find("gog_abi_version").orElseThrow(() -> new UnsatisfiedLinkError(
                loaded.location() + " does not export gog_abi_version: not a libgog"));
        int abi;
        String version;
        int defIsa;
        int bestIsa;
        try {
            abi = (int) linker.downcallHandle(abiFn, FunctionDescriptor.of(JAVA_INT)).invokeExact();
            checkAbi(loaded.location(), abi, GogNative.ABI_VERSION);
            MethodHandle ver = handle(lookup, linker, "gog_version", FunctionDescriptor.of(ADDRESS));
            version = ((MemorySegment) ver.invokeExact()).reinterpret(Integer.MAX_VALUE).getString(0);
            defIsa = (int) handle(lookup, linker, "gog_cpu_default_isa", FunctionDescriptor.of(JAVA_INT)).invokeExact();
            bestIsa = (int) handle(lookup, linker, "gog_cpu_best_isa", FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new UnsatisfiedLinkError("cannot query " + loaded.location() + ": " + t);
        }
        return new NativeLibrary(loaded.source(), loaded.location(), version, abi,
                CpuIsa.fromCode(defIsa), CpuIsa.fromCode(bestIsa), loaded.cuda());
    }

    private static MethodHandle handle(SymbolLookup lookup, Linker linker, String name, FunctionDescriptor fd) {
        MemorySegment fn = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libgog lacks " + name));
        return linker.downcallHandle(fn, fd);
    }

    /** The name {@code gog_isa_name} gives a variant ("avx512bf16"), without a downcall. */
    private static String isaName(CpuIsa isa) {
        return isa.name().toLowerCase(Locale.ROOT).replace("_", "");
    }

    /**
     * Checks an ABI version; package-private for tests.
     *
     * @throws UnsatisfiedLinkError when {@code found != expected}
     */
    static void checkAbi(String location, int found, int expected) {
        if (found != expected) {
            throw new UnsatisfiedLinkError("libgog at " + location + " has ABI version " + found
                    + " but these bindings need " + expected
                    + " (GOG_ABI_VERSION); use the gog-native jar built from the same sources");
        }
    }
}
