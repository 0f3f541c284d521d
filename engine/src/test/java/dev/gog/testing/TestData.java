package dev.gog.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test data of the repository ({@code testdata/}) and a reader for its TSV manifests. */
public final class TestData {
    private TestData() {}

    /** The repository root: system property gog.repo.dir (set by the build), else searched upwards. */
    public static Path repoDir() {
        String p = System.getProperty("gog.repo.dir");
        if (p != null) return Path.of(p).toAbsolutePath().normalize();
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("testdata"))) return d;
        }
        throw new IllegalStateException("cannot find the repository root; set -Dgog.repo.dir");
    }

    /** A path under testdata/. */
    public static Path path(String relative) {
        return repoDir().resolve("testdata").resolve(relative);
    }

    /** The bytes of a file under testdata/. */
    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows of a tab-separated file with a header row, as column-name maps (in file order). */
    public static List<Map<String, String>> tsv(String relative) {
        try {
            List<String> lines = Files.readAllLines(path(relative));
            String[] head = lines.get(0).split("\t", -1);
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] cells = line.split("\t", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < head.length; i++) row.put(head[i], i < cells.length ? cells[i] : "");
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
