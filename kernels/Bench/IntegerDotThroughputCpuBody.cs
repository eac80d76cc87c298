// The CPU backend's body of IntegerDotThroughput, on the instructions the prefill's int4 x int8 GEMM uses
// (Int4Q8CpuBody.PrefillPath): 512-bit vpdpbusd (AVX512-VNNI, assembled: IntegerDotVnni512), AVX-512BW's
// vpmaddubsw + vpmaddwd + vpaddd (three per 64 byte multiply-adds),
// AVX-VNNI's vpdpbusd (one per 32, 256-bit), or AVX2's vpmaddubsw + vpmaddwd + vpaddd (three per 32). Sixteen or
// eight lanes per register, the same chains per lane; the sums are bit-identical to the lanes' (no intermediate
// saturates).
//
// Each step multiplies the chain's own bytes (as the lanes do), so no multiply is loop-invariant: with constant
// operands the JIT hoisted vpmaddubsw + vpmaddwd out of the loop and the probe timed vpaddd alone (a "peak" twice to
// three times the instructions' own, before 2026-12-03). vpdpbusd's latency (5 cycles) over its throughput (2 a cycle)
// needs ten chains in flight, hence two registers' lanes at once where 32 vector registers hold them.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mistral.Gpu.Language;
using Mistral.Gpu.Language.Cpu;
using Path = Mistral.Gpu.Kernels.Int4Q8CpuBody.Path;

namespace Mistral.Gpu.Kernels;

/// <summary>Vectorised CPU implementation of the integer-dot throughput probe (see <see cref="CpuGroupBodyAttribute"/>).</summary>
internal static unsafe class IntegerDotThroughputCpuBody
{
    /// <summary>The group body of <c>IntegerDotThroughputKernels.IntegerDotThroughput</c>; false (run the lanes) without a vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IntegerDotThroughput(CpuGroup group, View<int> sums, int iterations)
    {
        var path = Int4Q8CpuBody.PrefillPath;
        int width = path is Path.Avx512 or Path.Vnni512 ? 16 : 8;
        if (path == Path.None || group.GroupSize.X % width != 0) return false;
        int first = group.GroupId.X * group.GroupSize.X;
        // Sixteen chains (two registers' lanes) where 32 vector registers hold them: eight time vpdpbusd's latency.
        bool pairs = Avx512F.IsSupported && group.GroupSize.X % (2 * width) == 0;
        // The assembled chains take two registers' lanes only.
        if (path == Path.Vnni512 && !pairs) return false;
        int step = pairs ? 2 * width : width;
        int* total = stackalloc int[32];
        for (int lane = first; lane < first + group.GroupSize.X; lane += step)
        {
            if (pairs) Run<Two>(path, lane, iterations, total);
            else Run<One>(path, lane, iterations, total);
            for (int j = 0; j < step && lane + j < sums.Length; j++) sums[lane + j] = total[j];
        }
        return true;
    }

    private static void Run<TBlocks>(Path path, int lane, int iterations, int* total) where TBlocks : struct, IBlocks
    {
        if (path == Path.Vnni512) AssembledChains(lane, iterations, total);
        else if (path == Path.Avx512) Chains<Bw512, Vector512<int>, TBlocks>(lane, iterations, total);
        else if (path == Path.Vnni256) Chains<Vnni256, Vector256<int>, TBlocks>(lane, iterations, total);
        else Chains<Bw256, Vector256<int>, TBlocks>(lane, iterations, total);
    }

    /// <summary>The 32 lanes from <paramref name="lane"/> on 512-bit vpdpbusd: the same starting values and bytes as <see cref="Chains"/>.</summary>
    private static void AssembledChains(int lane, int iterations, int* result)
    {
        int* start = stackalloc int[32];
        int* bytes = stackalloc int[32];
        Seed(lane, start, bytes);
        IntegerDotVnni512.Chains(start, bytes, iterations, result);
    }

    /// <summary>The kernel's starting value of chain 0 and the bytes b of the 32 lanes from <paramref name="lane"/>.</summary>
    private static void Seed(int lane, int* start, int* bytes)
    {
        for (int i = 0; i < 32; i++)
        {
            start[i] = lane + i;
            bytes[i] = (int)(0x01020304u * (uint)((lane + i) & 15) & 0x3F3F3F3Fu);
        }
    }

    /// <summary>How many registers' lanes one call runs: a constant per instantiation, so the JIT drops the second block's code.</summary>
    private interface IBlocks
    {
        static abstract bool Second { get; }
    }

    private readonly struct One : IBlocks
    {
        public static bool Second => false;
    }

    private readonly struct Two : IBlocks
    {
        public static bool Second => true;
    }

    /// <summary>
    /// The kernel's eight chains for the lanes of one register (and of the next, with <typeparamref name="TBlocks"/>
    /// <see cref="Two"/>), written to <paramref name="result"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chains<TStep, TV, TBlocks>(int lane, int iterations, int* result) where TStep : IDotStep<TV> where TV : struct where TBlocks : struct, IBlocks
    {
        int width = TStep.Width;
        int* start = stackalloc int[32];
        int* bytes = stackalloc int[2 * 32];
        Seed(lane, start, bytes);
        new Span<int>(bytes, 32).CopyTo(new Span<int>(bytes + 32, 32));
        var d0 = TStep.Load(start);
        var d1 = TStep.Add(d0, TStep.Splat(1));
        var d2 = TStep.Add(d0, TStep.Splat(2));
        var d3 = TStep.Add(d0, TStep.Splat(3));
        var d4 = TStep.Add(d0, TStep.Splat(4));
        var d5 = TStep.Add(d0, TStep.Splat(5));
        var d6 = TStep.Add(d0, TStep.Splat(6));
        var d7 = TStep.Add(d0, TStep.Splat(7));
        // The second block's chains written out like the first: as locals each stays in its own register, which a
        // struct of eight chains passed to a helper would not (the JIT keeps such vectors in memory).
        var e0 = TStep.Load(start + width);
        var e1 = TStep.Add(e0, TStep.Splat(1));
        var e2 = TStep.Add(e0, TStep.Splat(2));
        var e3 = TStep.Add(e0, TStep.Splat(3));
        var e4 = TStep.Add(e0, TStep.Splat(4));
        var e5 = TStep.Add(e0, TStep.Splat(5));
        var e6 = TStep.Add(e0, TStep.Splat(6));
        var e7 = TStep.Add(e0, TStep.Splat(7));
        for (int i = 0; i < iterations; i++)
        {
            // b from one of two identical copies in turn: a memory operand the JIT cannot hoist into a register, so
            // the sixteen accumulators have ymm0-15 (all that VEX vpdpbusd reaches) to themselves.
            int* copy = bytes + 32 * (i & 1);
            var b = TStep.Load(copy);
            d0 = TStep.Step(d0, b);
            d1 = TStep.Step(d1, b);
            d2 = TStep.Step(d2, b);
            d3 = TStep.Step(d3, b);
            d4 = TStep.Step(d4, b);
            d5 = TStep.Step(d5, b);
            d6 = TStep.Step(d6, b);
            d7 = TStep.Step(d7, b);
            if (TBlocks.Second)
            {
                var c = TStep.Load(copy + width);
                e0 = TStep.Step(e0, c);
                e1 = TStep.Step(e1, c);
                e2 = TStep.Step(e2, c);
                e3 = TStep.Step(e3, c);
                e4 = TStep.Step(e4, c);
                e5 = TStep.Step(e5, c);
                e6 = TStep.Step(e6, c);
                e7 = TStep.Step(e7, c);
            }
        }
        TStep.Store(TStep.Add(TStep.Add(TStep.Add(d0, d1), TStep.Add(d2, d3)), TStep.Add(TStep.Add(d4, d5), TStep.Add(d6, d7))), result);
        if (TBlocks.Second) TStep.Store(TStep.Add(TStep.Add(TStep.Add(e0, e1), TStep.Add(e2, e3)), TStep.Add(TStep.Add(e4, e5), TStep.Add(e6, e7))), result + width);
    }

    /// <summary>One register width's loads, stores and dot step (d + dot4(d, b) per int32 lane: d's bytes unsigned, b's signed).</summary>
    private interface IDotStep<TV> where TV : struct
    {
        static abstract int Width { get; }

        static abstract TV Load(int* at);

        static abstract void Store(TV value, int* at);

        static abstract TV Splat(int value);

        static abstract TV Add(TV x, TV y);

        static abstract TV Step(TV d, TV b);
    }

    private readonly struct Bw512 : IDotStep<Vector512<int>>
    {
        public static int Width => 16;

        public static Vector512<int> Load(int* at) => Vector512.Load(at);

        public static void Store(Vector512<int> value, int* at) => value.Store(at);

        public static Vector512<int> Splat(int value) => Vector512.Create(value);

        public static Vector512<int> Add(Vector512<int> x, Vector512<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Step(Vector512<int> d, Vector512<int> b) =>
            d + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(d.AsByte(), b.AsSByte()), Vector512.Create((short)1));
    }

    private readonly struct Vnni256 : IDotStep<Vector256<int>>
    {
        public static int Width => 8;

        public static Vector256<int> Load(int* at) => Vector256.Load(at);

        public static void Store(Vector256<int> value, int* at) => value.Store(at);

        public static Vector256<int> Splat(int value) => Vector256.Create(value);

        public static Vector256<int> Add(Vector256<int> x, Vector256<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Step(Vector256<int> d, Vector256<int> b) => AvxVnni.MultiplyWideningAndAdd(d, d.AsByte(), b.AsSByte());
    }

    private readonly struct Bw256 : IDotStep<Vector256<int>>
    {
        public static int Width => 8;

        public static Vector256<int> Load(int* at) => Vector256.Load(at);

        public static void Store(Vector256<int> value, int* at) => value.Store(at);

        public static Vector256<int> Splat(int value) => Vector256.Create(value);

        public static Vector256<int> Add(Vector256<int> x, Vector256<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Step(Vector256<int> d, Vector256<int> b) =>
            d + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(d.AsByte(), b.AsSByte()), Vector256.Create((short)1));
    }
}
