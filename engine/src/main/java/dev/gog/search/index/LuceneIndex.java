package dev.gog.search.index;

import dev.gog.search.IndexSink;
import dev.gog.search.IndexedDocument;
import dev.gog.search.ModelKey;
import dev.gog.search.SearchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded on-disk image index, on Apache Lucene: one document per image with its id, content
 * hash, sidecar title/url/text (stored; title and text analysed together for BM25) and its
 * embedding in an HNSW graph (dot product on unit vectors, i.e. cosine).
 *
 * <p>The model the index was built with ({@link ModelKey}) and the document count are written
 * into the user data of every commit; an index refuses a vector of another width and an
 * embedding query from an incompatible model ({@link SearchException.Kind#INCOMPATIBLE}).
 *
 * <p>Crash safety: documents become durable only at {@link #commit()}; a writer killed between
 * commits leaves the previous commit readable, and Lucene's write lock ({@code write.lock}, an OS
 * file lock released when the process dies) keeps a second writer out. Searches run against a
 * {@link SearcherManager}: a writable index refreshes it after each commit, a read-only one picks
 * up other processes' commits at {@link #refresh()}.
 *
 * <p>Lucene's vector formats accept at most 1024 dimensions by default; this index writes with a
 * codec whose HNSW format allows up to {@link #MAX_DIMENSIONS}, so SigLIP so400m (1152) fits. The
 * files stay in the standard {@code Lucene99HnswVectorsFormat}, readable by the default codec.
 *
 * <p>Thread-safe: any number of threads may search while one or more add and commit.
 */
public final class LuceneIndex implements IndexSink {
    /** The widest vector this index stores. */
    public static final int MAX_DIMENSIONS = 4096;
    /** Stored, not analysed: the document id. */
    public static final String F_ID = "id";
    /** Stored, not analysed: the SHA-256 content hash. */
    public static final String F_HASH = "hash";
    /** Stored and analysed: the sidecar title. */
    public static final String F_TITLE = "title";
    /** Stored, not analysed: the sidecar URL. */
    public static final String F_URL = "url";
    /** Stored and analysed: the sidecar text. */
    public static final String F_TEXT = "text";
    /** Analysed, not stored: title and text together, what BM25 searches. */
    public static final String F_ALL = "all";
    /** The image embedding. */
    public static final String F_VECTOR = "vector";
    /**
     * The reciprocal rank fusion constant of {@link #hybridSearch}: a document at rank r (from 1)
     * of a list scores 1 / (RRF_K + r); 60 is the value of Cormack, Clarke and Buettcher (SIGIR
     * 2009), which damps the weight of the very first ranks so that agreement between the lists
     * counts more than the top spot of one.
     */
    public static final int RRF_K = 60;
    /**
     * Candidates an HNSW search collects before it keeps the best {@code k} (at least k): a wider
     * beam trades latency for recall. On 100,000 random 512-d unit vectors (a hard case: no
     * cluster structure) recall@10 against an exact scan is about 0.24 with 10 candidates, 0.50
     * with 100 and 0.73 with 400 (KnnBench); real embeddings, which cluster, fare better.
     */
    public static final int DEFAULT_CANDIDATES = 100;

    private static final Logger LOG = LoggerFactory.getLogger(LuceneIndex.class);
    private static final String NAME = "embedded";
    private static final String K_MODEL = "gog.model";
    private static final String K_REVISION = "gog.revision";
    private static final String K_DTYPE = "gog.dtype";
    private static final String K_RECIPE = "gog.recipe";
    private static final String K_DIMENSION = "gog.dimension";
    private static final String K_DOCS = "gog.docs";
    private static final int SNIPPET_CHARS = 1000;

    /**
     * One hit.
     *
     * @param id the document id
     * @param title sidecar title
     * @param url sidecar URL
     * @param text sidecar text
     * @param score cosine similarity (vector), BM25 score (text) or fused score (hybrid)
     */
    public record Hit(String id, String title, String url, String text, double score) {
        /** The first 1000 characters of the text (facts lines included), or the title when there is no text. */
        public String snippet() {
            String s = text.isEmpty() ? title : text;
            return s.length() <= SNIPPET_CHARS ? s : s.substring(0, SNIPPET_CHARS) + "…";
        }
    }

    private final Path path;
    private final Directory dir;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ModelKey model;
    private final Analyzer analyzer = new StandardAnalyzer();
    private final Map<String, String> hashes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private LuceneIndex(Path path, Directory dir, IndexWriter writer, SearcherManager searchers, ModelKey model) {
        this.path = path;
        this.dir = dir;
        this.writer = writer;
        this.searchers = searchers;
        this.model = model;
    }

    /**
     * Opens the index at {@code dir} for writing, creating it (and the folder) when absent. A new
     * index is committed at once, empty, so that readers can open it and it records its model.
     *
     * @param dir the index folder
     * @param model the model the vectors come from
     * @return the index; the caller owns it and closes it
     * @throws SearchException INCOMPATIBLE if the index exists and was built with a model that is
     *     not {@link ModelKey#compatibleWith compatible}; FAILED if another process holds the
     *     write lock or on an I/O failure
     * @throws IllegalArgumentException if the model's dimension exceeds {@link #MAX_DIMENSIONS}
     */
    public static LuceneIndex open(Path dir, ModelKey model) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(model, "model");
        if (model.dimension() > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("model " + model.model() + " has " + model.dimension()
                    + " dimensions; the index stores at most " + MAX_DIMENSIONS);
        }
        Directory d = null;
        IndexWriter w = null;
        try {
            Files.createDirectories(dir);
            d = FSDirectory.open(dir);
            ModelKey stored = DirectoryReader.indexExists(d) ? readModel(d, dir) : null;
            if (stored != null && !stored.compatibleWith(model)) {
                throw new SearchException(NAME, SearchException.Kind.INCOMPATIBLE, "index " + dir + " was built with "
                        + describe(stored) + "; cannot add vectors of " + describe(model), null);
            }
            IndexWriterConfig cfg = new IndexWriterConfig(new StandardAnalyzer())
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                    .setCodec(wideCodec());
            w = new IndexWriter(d, cfg);
            ModelKey key = stored != null ? stored : model;
            LuceneIndex idx = new LuceneIndex(dir, d, w, new SearcherManager(w, null), key);
            if (stored == null) {
                idx.commit();
                LOG.info("created index {} for {}", dir, describe(model));
            } else {
                idx.loadHashes();
                LOG.info("opened index {} ({} documents)", dir, idx.hashes.size());
            }
            return idx;
        } catch (LockObtainFailedException e) {
            closeQuietly(w, d);
            throw new SearchException(NAME, SearchException.Kind.FAILED, "index " + dir
                    + " is locked by another writer (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            closeQuietly(w, d);
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot open index " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(w, d);
            throw e;
        }
    }

    /**
     * Opens an existing index for searching only (another process may be writing it; call
     * {@link #refresh()} to see its later commits). Holds no write lock.
     *
     * @param dir the index folder
     * @return the index; the caller owns it and closes it
     * @throws SearchException FAILED if there is no index at {@code dir}, it has no model
     *     recorded, or on an I/O failure
     */
    public static LuceneIndex openReadOnly(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Directory d = null;
        try {
            if (!Files.isDirectory(dir)) {
                throw new SearchException(NAME, SearchException.Kind.FAILED, "no index at " + dir + ": no such folder", null);
            }
            d = FSDirectory.open(dir);
            if (!DirectoryReader.indexExists(d)) {
                throw new SearchException(NAME, SearchException.Kind.FAILED, "no index at " + dir + ": no commit found", null);
            }
            ModelKey key = readModel(d, dir);
            return new LuceneIndex(dir, d, null, new SearcherManager(d, null), key);
        } catch (IOException e) {
            closeQuietly(null, d);
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot open index " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(null, d);
            throw e;
        }
    }

    /**
     * The model recorded in the last commit of the index at {@code dir}.
     *
     * @param dir the index folder
     * @return the model
     * @throws SearchException FAILED if there is no index or no model recorded, or on I/O failure
     */
    public static ModelKey readModel(Path dir) {
        try (Directory d = FSDirectory.open(dir)) {
            if (!DirectoryReader.indexExists(d)) {
                throw new SearchException(NAME, SearchException.Kind.FAILED, "no index at " + dir, null);
            }
            return readModel(d, dir);
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot read index " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ModelKey readModel(Directory d, Path where) throws IOException {
        Map<String, String> u = lastCommitData(d);
        String m = u.get(K_MODEL);
        if (m == null) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "index " + where
                    + " records no model (not written by gog index)", null);
        }
        try {
            return new ModelKey(m, u.getOrDefault(K_REVISION, ""), u.getOrDefault(K_DTYPE, ""),
                    u.getOrDefault(K_RECIPE, ""), Integer.parseInt(u.getOrDefault(K_DIMENSION, "0")));
        } catch (IllegalArgumentException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "index " + where + " records a bad model: "
                    + e.getMessage(), e);
        }
    }

    private static Map<String, String> lastCommitData(Directory d) throws IOException {
        try (DirectoryReader r = DirectoryReader.open(d)) {
            return r.getIndexCommit().getUserData();
        }
    }

    /**
     * The user data of the last commit of the index at {@code dir}: the model ({@code gog.model},
     * ...) and {@code gog.docs}, the document count at that commit.
     *
     * @param dir the index folder
     * @return a copy of the commit's user data
     * @throws SearchException FAILED on an I/O failure or when there is no index
     */
    public static Map<String, String> commitData(Path dir) {
        try (Directory d = FSDirectory.open(dir)) {
            return new LinkedHashMap<>(lastCommitData(d));
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot read index " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A codec that writes vectors of up to {@link #MAX_DIMENSIONS} dimensions with HNSW. */
    static Codec wideCodec() {
        KnnVectorsFormat wide = new WideHnswFormat();
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return wide;
            }
        };
    }

    /**
     * Lucene's HNSW format with a wider dimension limit. It has the name of the standard format so
     * that segments written with it are read back by the standard format (the limit is checked
     * only when writing).
     */
    static final class WideHnswFormat extends KnnVectorsFormat {
        private final KnnVectorsFormat delegate = new Lucene99HnswVectorsFormat();

        WideHnswFormat() {
            super("Lucene99HnswVectorsFormat");
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return delegate.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return delegate.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return MAX_DIMENSIONS;
        }
    }

    private void loadHashes() throws IOException {
        try (DirectoryReader r = DirectoryReader.open(writer)) {
            for (LeafReaderContext leaf : r.leaves()) {
                StoredFields sf = leaf.reader().storedFields();
                Bits live = leaf.reader().getLiveDocs();
                for (int i = 0; i < leaf.reader().maxDoc(); i++) {
                    if (live != null && !live.get(i)) continue;
                    Document doc = sf.document(i, java.util.Set.of(F_ID, F_HASH));
                    hashes.put(doc.get(F_ID), doc.get(F_HASH));
                }
            }
        }
    }

    /** The index folder. */
    public Path path() {
        return path;
    }

    @Override
    public ModelKey model() {
        return model;
    }

    /** Whether this index was opened with {@link #openReadOnly}. */
    public boolean readOnly() {
        return writer == null;
    }

    /**
     * {@inheritDoc} Answers from memory (the ids and hashes of the index when it was opened,
     * plus those added since).
     *
     * @throws SearchException FAILED if the index is read-only or closed
     */
    @Override
    public boolean contains(String id, String contentHash) {
        ensureWritable();
        return contentHash.equals(hashes.get(id));
    }

    /**
     * {@inheritDoc} The vector is stored L2-normalised.
     *
     * @throws SearchException INCOMPATIBLE if the vector's width is not the model's dimension;
     *     FAILED if read-only, closed, or on an I/O failure
     * @throws IllegalArgumentException if the vector is zero or not finite
     */
    @Override
    public void add(IndexedDocument doc) {
        Objects.requireNonNull(doc, "doc");
        ensureWritable();
        if (doc.vector().length != model.dimension()) {
            throw new SearchException(NAME, SearchException.Kind.INCOMPATIBLE, "document " + doc.id() + " has a "
                    + doc.vector().length + "-d vector; index " + path + " holds " + model.dimension() + "-d vectors of "
                    + model.model(), null);
        }
        float[] v = unit(doc.vector(), "document " + doc.id());
        Document d = new Document();
        d.add(new StringField(F_ID, doc.id(), Field.Store.YES));
        d.add(new StringField(F_HASH, doc.contentHash(), Field.Store.YES));
        d.add(new TextField(F_TITLE, doc.title(), Field.Store.YES));
        d.add(new StringField(F_URL, doc.url(), Field.Store.YES));
        d.add(new TextField(F_TEXT, doc.text(), Field.Store.YES));
        d.add(new TextField(F_ALL, doc.title() + "\n" + doc.text(), Field.Store.NO));
        d.add(new KnnFloatVectorField(F_VECTOR, v, VectorSimilarityFunction.DOT_PRODUCT));
        try {
            writer.updateDocument(new Term(F_ID, doc.id()), d);
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot add " + doc.id() + " to " + path + ": "
                    + e.getMessage(), e);
        }
        hashes.put(doc.id(), doc.contentHash());
    }

    /**
     * {@inheritDoc} The commit records the model and the document count; searchers are refreshed
     * afterwards.
     *
     * @throws SearchException FAILED if read-only, closed, or on an I/O failure
     */
    @Override
    public void commit() {
        ensureWritable();
        try {
            Map<String, String> u = new LinkedHashMap<>();
            u.put(K_MODEL, model.model());
            u.put(K_REVISION, model.revision());
            u.put(K_DTYPE, model.dtype());
            u.put(K_RECIPE, model.recipe());
            u.put(K_DIMENSION, Integer.toString(model.dimension()));
            synchronized (this) {
                writer.flush();
                u.put(K_DOCS, Integer.toString(writer.getDocStats().numDocs));
                writer.setLiveCommitData(u.entrySet());
                writer.commit();
            }
            searchers.maybeRefresh();
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot commit " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes searches see the latest state: for a read-only index, the latest commit (of any
     * process); for a writable one, everything added so far.
     *
     * @throws SearchException FAILED on an I/O failure or when closed
     */
    public void refresh() {
        ensureOpen();
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot refresh " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The number of documents searches currently see.
     *
     * @throws SearchException FAILED on an I/O failure or when closed
     */
    public int count() {
        ensureOpen();
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return s.getIndexReader().numDocs();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * k-nearest-neighbour search (HNSW, approximate) of the image vectors.
     *
     * @param vector the query embedding (normalised here)
     * @param queryModel the model that produced it
     * @param k results wanted, 1..1000
     * @param cancelled polled during the search, or null; when it turns true the search stops
     * @return hits, best first, scored by cosine similarity ({@link #DEFAULT_CANDIDATES}
     *     candidates); the caller owns the list
     * @throws SearchException INCOMPATIBLE if {@code queryModel} is not compatible with the index
     *     or the width differs; FAILED on I/O failure
     * @throws CancellationException if {@code cancelled} turned true
     */
    public List<Hit> vectorSearch(float[] vector, ModelKey queryModel, int k, BooleanSupplier cancelled) {
        return vectorSearch(vector, queryModel, k, DEFAULT_CANDIDATES, cancelled);
    }

    /**
     * k-nearest-neighbour search with an explicit candidate count: the HNSW search collects
     * max(k, candidates) neighbours per segment and the best {@code k} are kept.
     *
     * @param vector the query embedding (normalised here)
     * @param queryModel the model that produced it
     * @param k results wanted, 1..1000
     * @param candidates neighbours collected, 1..10000 (raised to k)
     * @param cancelled polled during the search, or null
     * @return hits, best first, scored by cosine similarity; the caller owns the list
     * @throws SearchException INCOMPATIBLE if the model is not compatible or the width differs;
     *     FAILED on I/O failure
     * @throws IllegalArgumentException if {@code candidates} is out of range
     * @throws CancellationException if {@code cancelled} turned true
     */
    public List<Hit> vectorSearch(float[] vector, ModelKey queryModel, int k, int candidates, BooleanSupplier cancelled) {
        checkModel(queryModel, vector);
        if (candidates < 1 || candidates > 10_000) {
            throw new IllegalArgumentException("candidates must be in [1, 10000], got " + candidates);
        }
        float[] v = unit(vector, "query vector");
        return run(new KnnFloatVectorQuery(F_VECTOR, v, Math.max(k, candidates)), k, cancelled, true);
    }

    /**
     * BM25 search of title and text (analysed with Lucene's standard analyzer; any term may match).
     *
     * @param text the query text
     * @param k results wanted, 1..1000
     * @param cancelled polled during the search
     * @return hits, best first, scored by BM25; empty when the text has no searchable term
     * @throws SearchException FAILED on I/O failure
     * @throws CancellationException if {@code cancelled} turned true
     */
    public List<Hit> textSearch(String text, int k, BooleanSupplier cancelled) {
        Query q = textQuery(text);
        if (q == null) return List.of();
        return run(q, k, cancelled, false);
    }

    /**
     * Hybrid search: BM25 over the text and k-NN of the text's joint-space embedding against the
     * image vectors, fused by reciprocal rank fusion ({@link #RRF_K}); each list contributes its
     * top max(k, 100) hits (at most 1000).
     *
     * @param text the query text
     * @param textEmbedding the text tower's embedding of {@code text}
     * @param queryModel the model that produced the embedding
     * @param k results wanted, 1..1000
     * @param cancelled polled during the search
     * @return hits, best first, scored by the fused score; the caller owns the list
     * @throws SearchException INCOMPATIBLE if the model is not compatible; FAILED on I/O failure
     * @throws CancellationException if {@code cancelled} turned true
     */
    public List<Hit> hybridSearch(String text, float[] textEmbedding, ModelKey queryModel, int k,
            BooleanSupplier cancelled) {
        int depth = Math.min(1000, Math.max(k, 100));
        List<Hit> lexical = textSearch(text, depth, cancelled);
        List<Hit> semantic = vectorSearch(textEmbedding, queryModel, depth, cancelled);
        return fuse(List.of(lexical, semantic), k);
    }

    /**
     * Reciprocal rank fusion: each hit scores the sum over the lists of 1 / ({@link #RRF_K} +
     * rank), rank from 1; ties keep the order of first appearance.
     *
     * @param lists ranked lists, best first
     * @param k results wanted
     * @return the fused list, best first
     */
    static List<Hit> fuse(List<List<Hit>> lists, int k) {
        Map<String, double[]> score = new LinkedHashMap<>();
        Map<String, Hit> byId = new LinkedHashMap<>();
        for (List<Hit> l : lists) {
            for (int r = 0; r < l.size(); r++) {
                Hit h = l.get(r);
                byId.putIfAbsent(h.id(), h);
                score.computeIfAbsent(h.id(), x -> new double[1])[0] += 1.0 / (RRF_K + r + 1);
            }
        }
        List<Hit> out = new ArrayList<>();
        for (Map.Entry<String, Hit> e : byId.entrySet()) {
            Hit h = e.getValue();
            out.add(new Hit(h.id(), h.title(), h.url(), h.text(), score.get(e.getKey())[0]));
        }
        out.sort((a, b) -> Double.compare(b.score(), a.score())); // stable: ties keep first appearance
        return out.size() > k ? new ArrayList<>(out.subList(0, k)) : out;
    }

    private Query textQuery(String text) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int n = 0;
        try (TokenStream ts = analyzer.tokenStream(F_ALL, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && n < IndexSearcher.getMaxClauseCount()) {
                b.add(new TermQuery(new Term(F_ALL, term.toString())), BooleanClause.Occur.SHOULD);
                n++;
            }
            ts.end();
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "cannot analyse query text: " + e.getMessage(), e);
        }
        return n == 0 ? null : b.build();
    }

    private List<Hit> run(Query q, int k, BooleanSupplier cancelled, boolean cosine) {
        ensureOpen();
        if (k < 1 || k > 1000) throw new IllegalArgumentException("k must be in [1, 1000], got " + k);
        try {
            IndexSearcher shared = searchers.acquire();
            try {
                // A searcher of its own per query, so that the cancellation check is per query.
                IndexSearcher s = new IndexSearcher(shared.getIndexReader());
                s.setSimilarity(shared.getSimilarity());
                if (cancelled != null) s.setTimeout(cancelled::getAsBoolean);
                TopDocs top = s.search(q, k);
                if (cancelled != null && cancelled.getAsBoolean()) throw new CancellationException("search cancelled");
                StoredFields sf = s.storedFields();
                List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
                for (ScoreDoc sd : top.scoreDocs) {
                    Document d = sf.document(sd.doc);
                    // Lucene scores DOT_PRODUCT as (1 + dot) / 2; report the cosine itself.
                    double score = cosine ? 2.0 * sd.score - 1.0 : sd.score;
                    hits.add(new Hit(d.get(F_ID), nz(d.get(F_TITLE)), nz(d.get(F_URL)), nz(d.get(F_TEXT)), score));
                }
                return hits;
            } finally {
                searchers.release(shared);
            }
        } catch (IOException e) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "search of " + path + " failed: " + e.getMessage(), e);
        }
    }

    private void checkModel(ModelKey queryModel, float[] vector) {
        Objects.requireNonNull(queryModel, "queryModel");
        Objects.requireNonNull(vector, "vector");
        if (!queryModel.compatibleWith(model)) {
            throw new SearchException(NAME, SearchException.Kind.INCOMPATIBLE, "query embedded with "
                    + describe(queryModel) + " but index " + path + " holds " + describe(model), null);
        }
        if (vector.length != model.dimension()) {
            throw new SearchException(NAME, SearchException.Kind.INCOMPATIBLE, "query vector has " + vector.length
                    + " values; index " + path + " holds " + model.dimension() + "-d vectors", null);
        }
    }

    private static float[] unit(float[] v, String what) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException(what + " is zero or not finite; cannot normalise it");
        }
        float inv = (float) (1.0 / Math.sqrt(s));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * inv;
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static String describe(ModelKey m) {
        return m.model() + "@" + m.revision() + " (" + m.recipe() + ", " + m.dimension() + "-d)";
    }

    private void ensureOpen() {
        if (closed) throw new SearchException(NAME, SearchException.Kind.FAILED, "index " + path + " is closed", null);
    }

    private void ensureWritable() {
        ensureOpen();
        if (writer == null) {
            throw new SearchException(NAME, SearchException.Kind.FAILED, "index " + path + " is open read-only", null);
        }
    }

    /**
     * Closes searchers and the writer without committing: documents added since the last
     * {@link #commit()} are dropped. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            searchers.close();
        } catch (IOException e) {
            LOG.warn("closing searchers of {}: {}", path, e.toString());
        }
        if (writer != null) {
            try {
                writer.rollback(); // closes without committing
            } catch (IOException e) {
                LOG.warn("closing writer of {}: {}", path, e.toString());
            }
        }
        try {
            dir.close();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", path, e.toString());
        }
        analyzer.close();
    }

    private static void closeQuietly(IndexWriter w, Directory d) {
        try {
            if (w != null) w.rollback();
        } catch (IOException | RuntimeException ignored) {
            // already failing
        }
        try {
            if (d != null) d.close();
        } catch (IOException | RuntimeException ignored) {
            // already failing
        }
    }
}
