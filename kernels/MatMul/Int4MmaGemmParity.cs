using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The tensor-core primitive and the int4 GEMM built on it. <c>mma-m16n8k16</c>: <see cref="MmaProbe"/> loads whole
/// matrices into fragments in PTX's documented layout and back, against <see cref="MatMulReference.MmaTile"/>, so a
/// fallback whose exchange disagreed with that layout fails here. <c>matmul-int4-mma</c>: <see cref="Int4MmaGemm"/>
/// forced on every backend (the fallback where there are no tensor cores) against <see cref="MatMulReference"/> over the
/// dequantised weights.
/// </summary>
internal static class Int4MmaGemmParity
{
    /// <summary>Tiles per probe launch: two groups of two warps.</summary>
    private const int ProbeTiles = 4;

    /// <summary>
    /// (N, K, group size, tokens): N ragged against the 32-feature tile and the 8-feature n-tile, K from one 32-chunk to
    /// 640 and not always whole 128-slices (96, 288), tokens ragged against the 16-token m-tile and the 64-token tile.
    /// </summary>
    private static readonly (int N, int K, int GroupSize, int Tokens)[] Shapes =
        [(8, 32, 32, 2), (37, 128, 128, 9), (130, 96, 32, 17), (40, 288, 32, 70), (45, 640, 128, 33)];

    public static IEnumerable<ParityCase> Cases()
    {
        yield return new("mma-m16n8k16", "integers", "4 tiles of 16 x 8 x 16, integers in [-8, 8]", "exact",
            "every partial sum is an integer below 2^11, exact in fp32 whatever the order or precision of the accumulation: " +
            "tensor cores and every fallback must agree bit for bit, and a fragment in the wrong place changes the integers.",
            (a, check) => CheckProbe(a, check, integers: true));
        yield return new("mma-m16n8k16", "halves", "4 tiles of 16 x 8 x 16, halves of magnitude 2^-12 .. 2^4", "exact (fallbacks); 2^-19·(|c| + sum|a b|) (tensor cores)",
            "the fallbacks sum the exact fp32 products in k order onto C, as the reference does, so bit for bit; tensor cores " +
            "add the 16 products in an order and internal precision PTX leaves open: 16 roundings of at most 2^-23 of the " +
            "running magnitude.",
            (a, check) => CheckProbe(a, check, integers: false));
        foreach (var (n, k, groupSize, tokens) in Shapes)
            yield return new("matmul-int4-mma", $"{n}x{k} g{groupSize} t{tokens}", $"N {n}, K {k}, group {groupSize}, {tokens} tokens",
                "2^-11·sum|x w| + 1e-5·sum|x w| vs fp32 x; 1e-5·sum|x w| vs fp16-rounded x",
                "x is rounded to fp16 (at most 2^-11 relative per element) and the nibbles are exact halves, products exact in " +
                "fp32, so against fp32 x the error is 2^-11·sum|x w| plus fp32 summation (the dense bound); against the reference " +
                "on x rounded to fp16 only the summation remains. A fragment or scale misplaced moves a result by O(sum|x w| / sqrt(K)).",
                (a, check) => CheckGemm(a, check, n, k, groupSize, tokens));
    }

    private static void CheckProbe(Accelerator accelerator, ParityCheck check, bool integers)
    {
        var random = new Random(integers ? 61 : 62);
        ushort Value() => BitConverter.HalfToUInt16Bits(integers
            ? (Half)random.Next(-8, 9)
            : (Half)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-12, 5))));
        var a = new ushort[ProbeTiles * 2 * MmaProbe.AWords];
        var b = new ushort[ProbeTiles * 2 * MmaProbe.BWords];
        var c = new float[ProbeTiles * MmaProbe.CFloats];
        for (int i = 0; i < a.Length; i++) a[i] = Value();
        for (int i = 0; i < b.Length; i++) b[i] = Value();
        for (int i = 0; i < c.Length; i++) c[i] = integers ? random.Next(-64, 65) : (float)(random.NextDouble() * 2 - 1);

        using var aBuffer = accelerator.Upload<uint>(Pack(a));
        using var bBuffer = accelerator.Upload<uint>(Pack(b));
        using var cBuffer = accelerator.Upload<float>(c);
        using var dBuffer = accelerator.Allocate<float>(c.Length);
        var dims = new LaunchDims(new Dim3(ProbeTiles / MmaProbe.WarpsPerGroup), new Dim3(32 * MmaProbe.WarpsPerGroup));
        MmaProbe.TileKernel.Launch(accelerator, dims, aBuffer, bBuffer, cBuffer, dBuffer);
        float[] d = dBuffer.ToArray();

        bool exact = integers || !TensorCores.Available(accelerator);
        for (int tile = 0; tile < ProbeTiles; tile++)
        {
            int aHalves = 2 * MmaProbe.AWords, bHalves = 2 * MmaProbe.BWords, cFloats = MmaProbe.CFloats;
            var (expected, magnitude) = MatMulReference.MmaTile(a.AsSpan(tile * aHalves, aHalves), b.AsSpan(tile * bHalves, bHalves), c.AsSpan(tile * cFloats, cFloats));
            var actual = d.AsSpan(tile * cFloats, cFloats);
            if (exact) check.Exact(expected, actual, $"tile {tile}");
            else check.Within(ParityData.Widen(expected), Array.ConvertAll(magnitude, m => Math.ScaleB(m, -19)), actual, $"tile {tile}");
        }
    }

    /// <summary>Halves two per word, the even index in the low 16 bits.</summary>
    private static uint[] Pack(ushort[] halves)
    {
        var words = new uint[halves.Length / 2];
        for (int i = 0; i < words.Length; i++) words[i] = halves[2 * i] | ((uint)halves[2 * i + 1] << 16);
        return words;
    }

    private static void CheckGemm(Accelerator accelerator, ParityCheck check, int n, int k, int groupSize, int tokens)
    {
        float[] w = ParityData.Random((long)n * k, 71, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 72);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        float[] dequantized = matrix.Dequantize();
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var xBuffer = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>((long)tokens * n);
        MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens, Int4Shape.Mma);
        float[] gemm = y.ToArray();

        var (expected, magnitude) = MatMulReference.Compute(dequantized, x, n, k, tokens);
        check.Within(expected, Array.ConvertAll(magnitude, m => (Math.ScaleB(1, -11) + 1e-5) * m + 1e-6), gemm, "GEMM vs fp32 x");
        var (rounded, roundedMagnitude) = MatMulReference.Compute(dequantized, ParityData.RoundToHalf(x), n, k, tokens);
        check.Within(rounded, MatMulReference.Bounds(roundedMagnitude), gemm, "GEMM vs fp16-rounded x");
    }
}
