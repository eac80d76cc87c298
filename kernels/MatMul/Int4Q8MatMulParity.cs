using Mistral.Gpu.Language;
using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The Q8 int4 product (activations quantised to int8 per 32, exact integer dot products) against the exact integer
/// sum over the device's own quantised activations (<see cref="Q8Reference"/>), with the facade's token tile.
/// </summary>
internal static class Int4Q8MatMulParity
{
    /// <summary>(N, K, group size, tokens): ragged N, K in whole 128-blocks (384 and 1152 are not whole 512-chunks), token tiles of 1, 4 and 64 (70 tokens cross a 64-tile); 67x1024 and 5x14336 at one token are the decode GEMV's own loop (rows in pairs and an odd one left; from K = 8192 four rows a quarter of the group apart, then the rest one by one), and 70x8192 in groups of 128 is that loop at its first K with a whole 64-row group (quarters of 16) and a ragged one (6 rows: one quad and two single rows); the prefill GEMM's K slices (Int4Q8Gemm): w2's K = 14336 (two slices of 7168) with a 64-token tile and a ragged tail, K = 4608 (no whole 8192-slice split; 9 chunks) with groups of 128 and ragged rows, K = 2560 with 130 tokens (three tiles, the last of 2), and K = 16896 (three slices of 5632, 33 chunks) with odd rows.</summary>
    private static readonly (int N, int K, int GroupSize, int Tokens)[] Shapes =
        [(1, 128, 32, 1), (65, 384, 32, 3), (100, 512, 128, 1), (37, 1024, 32, 5), (130, 1152, 128, 9), (64, 4096, 32, 4), (20, 256, 32, 70), (67, 1024, 32, 1), (5, 14336, 32, 1), (70, 8192, 128, 1),
            (70, 14336, 32, 67), (33, 4608, 128, 6), (9, 2560, 32, 130), (3, 16896, 32, 5)];

    /// <summary>The family's name in the table.</summary>
    public const string Family = "matmul-int4-q8";

    /// <summary>Each shape in the standard word order, and in the group-interleaved one where K is whole 512-weight chunks.</summary>
    private static IEnumerable<(int N, int K, int GroupSize, int Tokens, Int4Layout Layout, string Suffix)> Layouts() =>
        Shapes.Select(s => (s.N, s.K, s.GroupSize, s.Tokens, Int4Layout.Standard, ""))
            .Concat(Shapes.Where(s => Int4Layouts.Fits(Int4Layout.GroupInterleaved, s.K)).Select(s => (s.N, s.K, s.GroupSize, s.Tokens, Int4Layout.GroupInterleaved, " interleaved")));

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (n, k, groupSize, tokens, layout, suffix) in Layouts())
            yield return new(Family, $"product {n}x{k} g{groupSize} t{tokens}{suffix}", $"N {n}, K {k}, group {groupSize}, {tokens} tokens, {layout} words", "1e-6 + 1e-5·sum|terms|",
                "the integer parts are exact; only the fp32 sum over K/32 group terms rounds (2^-24 per addition)",
                (a, check) => CheckProduct(a, check, n, k, groupSize, tokens, layout));
        foreach (var (n, k, groupSize, tokens, layout, suffix) in Layouts())
            yield return new(Family, $"facade {n}x{k} g{groupSize} t{tokens}{suffix}", $"N {n}, K {k}, group {groupSize}, {tokens} tokens, {layout} words",
                "1e-6 + 1e-5·sum|x w| + sum|w|·step/2",
                "the facade's own pick (quantise, then the product) against the fp32 product of the dequantised weights: rounding x " +
                "to int8 moves each x by at most half its group's step max|x|/127, so the product moves by at most " +
                "sum_k |W[n, k]|·step(k)/2; fp32 sums add 1e-5 of sum|x w|.",
                (a, check) => CheckFacade(a, check, n, k, groupSize, tokens, layout));
    }

    private static void CheckProduct(Accelerator accelerator, ParityCheck check, int n, int k, int groupSize, int tokens, Int4Layout layout)
    {
        float[] w = ParityData.Random((long)n * k, 81, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 82, 2f);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        using var weights = Int4Weights.Upload(accelerator, matrix, layout);
        using var dx = accelerator.Upload<float>(x);
        var quantized = Q8Reference.QuantizeOnDevice(accelerator, dx, k, tokens, layout);
        var (expected, magnitude) = Q8Reference.Product(matrix, quantized, n, k, tokens, layout);
        using var values = accelerator.Upload<uint>(quantized.Values);
        using var scales = accelerator.Upload<float>(quantized.Scales);
        using var sums = accelerator.Upload<int>(quantized.Sums);
        using var y = accelerator.Allocate<float>(tokens * n);
        // The facade's choice: 1 for a GEMV, 4 for short prompts, 64 beyond.
        int tile = tokens == 1 ? 1 : tokens <= Int4MatMul.RowTokenTile ? Int4MatMul.RowTokenTile : Int4MatMul.Q8LongTokenTile;
        var dims = new LaunchDims(new Dim3((n + Int4MatMul.Q8RowLanes - 1) / Int4MatMul.Q8RowLanes, (tokens + tile - 1) / tile), new Dim3(Int4MatMul.Q8RowLanes));
        Int4MatMul.Q8RowsKernel.Launch(accelerator, dims, weights.Packed, weights.Scales, values, scales, sums, y, n, k, tokens, groupSize, tile,
            Int4Layouts.Specialization(layout));
        accelerator.Synchronize();
        check.Within(expected, MatMulReference.Bounds(magnitude), y.ToArray(), "Q8 product");
    }

    private static void CheckFacade(Accelerator accelerator, ParityCheck check, int n, int k, int groupSize, int tokens, Int4Layout layout)
    {
        float[] w = ParityData.Random((long)n * k, 91, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 92);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        var (expected, bounds) = Q8Reference.AgainstFp32(matrix, x, n, k, tokens);
        using var weights = Int4Weights.Upload(accelerator, matrix, layout);
        using var dx = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>(tokens * n);
        MistralKernels.MatMul(accelerator, weights, dx, y, tokens, MistralKernels.Int4Shape.Auto);
        check.Within(expected, bounds, y.ToArray(), "facade vs fp32 product");
    }
}
