package dev.gog.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's single-thread memory bandwidth, for reading the other figures against: a
 * 256 MiB off-heap copy (256 MiB read + 256 MiB written per operation; GB/s = 0.537 / seconds).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MemoryBandwidthBench {
    static final long BYTES = 256L << 20;
    private Arena arena;
    private MemorySegment a, b;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        a = arena.allocate(BYTES, 64);
        b = arena.allocate(BYTES, 64);
        a.fill((byte) 1);
        b.fill((byte) 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment copy256MiB() {
        MemorySegment.copy(a, 0, b, 0, BYTES);
        return b;
    }
}
