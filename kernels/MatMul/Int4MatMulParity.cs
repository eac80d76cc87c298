using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Int4 GEMV/GEMM, every kernel shape forced (GPU warp-per-row, CPU lane-per-row, and the vectorised CPU kernel where K
/// allows it), against <see cref="MatMulReference"/> over the DEQUANTISED weights, so only the kernels' own arithmetic
/// is measured; and the device dequantiser against the host's, bit for bit, in both word orders (<see cref="Int4Layout"/>).
/// </summary>
internal static class Int4MatMulParity
{
    /// <summary>(N, K, group size, tokens): N not a multiple of the 4 rows per group or 64 lanes, K from one chunk to 4096, token counts around the tiles of 4 and 8.</summary>
    private static readonly (int N, int K, int GroupSize, int Tokens)[] Shapes =
        [(1, 32, 32, 1), (3, 64, 32, 3), (37, 128, 128, 9), (100, 1024, 32, 8), (5, 4096, 128, 2), (64, 2048, 32, 17), (4097, 64, 32, 1), (66, 1152, 128, 4), (130, 256, 32, 5)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (n, k, groupSize, tokens) in Shapes)
            // The vectorised CPU kernel takes K in whole 128-weight blocks.
            foreach (var shape in k % 128 == 0 ? new[] { Int4Shape.Warp, Int4Shape.Rows, Int4Shape.RowsVector } : [Int4Shape.Warp, Int4Shape.Rows])
                yield return new("matmul-int4", $"{shape} {n}x{k} g{groupSize} t{tokens}", $"N {n}, K {k}, group {groupSize}, {tokens} tokens",
                    "1e-6 + 1e-5·sum|x w|; dequantiser exact",
                    "the product of the dequantised weights in fp32: the same bound as the dense kernels (rounding relative to " +
                    "sum|x w|); the dequantiser is one fp16 scale times a small integer, exact in fp32.",
                    (a, check) => Check(a, check, shape, n, k, groupSize, tokens));
    }

    private static void Check(Accelerator accelerator, ParityCheck check, Int4Shape shape, int n, int k, int groupSize, int tokens)
    {
        float[] w = ParityData.Random((long)n * k, 51, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 52);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        float[] dequantized = matrix.Dequantize();
        var (expected, magnitude) = MatMulReference.Compute(dequantized, x, n, k, tokens);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        check.Equal((long)n * k / 2 + (long)n * (k / groupSize) * 2, weights.DeviceBytes, "device bytes");

        using var deq = accelerator.Allocate<float>((long)n * k);
        MistralKernels.Int4Dequantize(accelerator, weights, deq);
        check.Exact(dequantized, deq.ToArray(), "device dequantiser");
        if (Int4Layouts.Fits(Int4Layout.GroupInterleaved, k))
        {
            // The same matrix stored group-interleaved: the dequantiser reads it through the layout's word order, and it reads back standard.
            using var interleaved = Int4Weights.Upload(accelerator, matrix, Int4Layout.GroupInterleaved);
            MistralKernels.Int4Dequantize(accelerator, interleaved, deq);
            check.Exact(dequantized, deq.ToArray(), "device dequantiser, group-interleaved words");
            check.Exact<uint>(matrix.Packed, interleaved.Download().Packed, w => w, "group-interleaved words read back");
        }

        using var xBuffer = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>((long)tokens * n);
        MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens, shape);
        float[] gemm = y.ToArray();
        check.Within(expected, MatMulReference.Bounds(magnitude), gemm, "GEMM");
        MatMulReference.CheckGemvRows(accelerator, check, (row, one) => MistralKernels.MatMul(accelerator, weights, row, one, 1, shape),
            xBuffer, gemm, magnitude, n, k, tokens);
    }
}
