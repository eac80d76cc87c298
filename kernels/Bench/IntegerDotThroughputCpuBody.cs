// The CPU backend's body of IntegerDotThroughput, on the instructions the int4 x int8 GEMM uses
// (Int4Q8CpuBody's path): AVX-512BW's vpmaddubsw + vpmaddwd + vpaddd (three per 64 byte multiply-adds), AVX-VNNI's
// vpdpbusd (one per 32, 256-bit), or AVX2's vpmaddubsw + vpmaddwd + vpaddd (three per 32). Sixteen or eight lanes
// per register, the same chains per lane; the sums are bit-identical to the lanes' (no intermediate saturates).
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
        var path = Int4Q8CpuBody.ActivePath;
        int width = path == Path.Avx512 ? 16 : 8;
        if (path == Path.None || group.GroupSize.X % width != 0) return false;
        int first = group.GroupId.X * group.GroupSize.X;
        int* total = stackalloc int[16];
        for (int lane = first; lane < first + group.GroupSize.X; lane += width)
        {
            if (path == Path.Avx512) Chains<Bw512, Vector512<int>>(lane, iterations, total);
            else if (path == Path.Vnni256) Chains<Vnni256, Vector256<int>>(lane, iterations, total);
            else Chains<Bw256, Vector256<int>>(lane, iterations, total);
            for (int j = 0; j < width && lane + j < sums.Length; j++) sums[lane + j] = total[j];
        }
        return true;
    }

    /// <summary>The kernel's eight chains for the lanes of one register, written to <paramref name="result"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chains<TStep, TV>(int lane, int iterations, int* result) where TStep : IDotStep<TV> where TV : struct
    {
        int* start = stackalloc int[16];
        int* bytes = stackalloc int[16];
        for (int i = 0; i < 16; i++)
        {
            start[i] = lane + i;
            bytes[i] = (int)(0x01020304u * (uint)((lane + i) & 15) & 0x3F3F3F3Fu);
        }
        var b = TStep.Load(bytes);
        var d0 = TStep.Load(start);
        var d1 = TStep.Add(d0, TStep.Splat(1));
        var d2 = TStep.Add(d0, TStep.Splat(2));
        var d3 = TStep.Add(d0, TStep.Splat(3));
        var d4 = TStep.Add(d0, TStep.Splat(4));
        var d5 = TStep.Add(d0, TStep.Splat(5));
        var d6 = TStep.Add(d0, TStep.Splat(6));
        var d7 = TStep.Add(d0, TStep.Splat(7));
        TV a0 = TStep.Splat(0x01010101), a1 = TStep.Splat(0x02020202), a2 = TStep.Splat(0x03030303), a3 = TStep.Splat(0x04040404);
        TV a4 = TStep.Splat(0x05050505), a5 = TStep.Splat(0x06060606), a6 = TStep.Splat(0x07070707), a7 = TStep.Splat(0x08080808);
        for (int i = 0; i < iterations; i++)
        {
            d0 = TStep.Step(d0, a0, b);
            d1 = TStep.Step(d1, a1, b);
            d2 = TStep.Step(d2, a2, b);
            d3 = TStep.Step(d3, a3, b);
            d4 = TStep.Step(d4, a4, b);
            d5 = TStep.Step(d5, a5, b);
            d6 = TStep.Step(d6, a6, b);
            d7 = TStep.Step(d7, a7, b);
        }
        TStep.Store(TStep.Add(TStep.Add(TStep.Add(d0, d1), TStep.Add(d2, d3)), TStep.Add(TStep.Add(d4, d5), TStep.Add(d6, d7))), result);
    }

    /// <summary>One register width's loads, stores and dot step (d + dot4(a, b) per int32 lane).</summary>
    private interface IDotStep<TV> where TV : struct
    {
        static abstract TV Load(int* at);

        static abstract void Store(TV value, int* at);

        static abstract TV Splat(int value);

        static abstract TV Add(TV x, TV y);

        static abstract TV Step(TV d, TV a, TV b);
    }

    private readonly struct Bw512 : IDotStep<Vector512<int>>
    {
        public static Vector512<int> Load(int* at) => Vector512.Load(at);

        public static void Store(Vector512<int> value, int* at) => value.Store(at);

        public static Vector512<int> Splat(int value) => Vector512.Create(value);

        public static Vector512<int> Add(Vector512<int> x, Vector512<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Step(Vector512<int> d, Vector512<int> a, Vector512<int> b) =>
            d + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(a.AsByte(), b.AsSByte()), Vector512.Create((short)1));
    }

    private readonly struct Vnni256 : IDotStep<Vector256<int>>
    {
        public static Vector256<int> Load(int* at) => Vector256.Load(at);

        public static void Store(Vector256<int> value, int* at) => value.Store(at);

        public static Vector256<int> Splat(int value) => Vector256.Create(value);

        public static Vector256<int> Add(Vector256<int> x, Vector256<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Step(Vector256<int> d, Vector256<int> a, Vector256<int> b) => AvxVnni.MultiplyWideningAndAdd(d, a.AsByte(), b.AsSByte());
    }

    private readonly struct Bw256 : IDotStep<Vector256<int>>
    {
        public static Vector256<int> Load(int* at) => Vector256.Load(at);

        public static void Store(Vector256<int> value, int* at) => value.Store(at);

        public static Vector256<int> Splat(int value) => Vector256.Create(value);

        public static Vector256<int> Add(Vector256<int> x, Vector256<int> y) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Step(Vector256<int> d, Vector256<int> a, Vector256<int> b) =>
            d + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a.AsByte(), b.AsSByte()), Vector256.Create((short)1));
    }
}
