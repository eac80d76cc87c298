using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>fp32 and fp16 GEMV/GEMM, both kernel shapes forced, against <see cref="MatMulReference"/> over the stored weights.</summary>
internal static class MatMulDenseParity
{
    /// <summary>(N, K, tokens): ragged K (1, 3, 37, 100, 4097) take the scalar / guarded paths.</summary>
    private static readonly (int N, int K, int Tokens)[] Shapes = [(1, 1, 1), (3, 3, 2), (37, 37, 5), (100, 100, 9), (9, 4097, 3), (33, 4096, 4), (5, 128, 1), (6, 1000, 6)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (n, k, tokens) in Shapes)
            foreach (var format in new[] { WeightFormat.Fp32, WeightFormat.Fp16 })
                foreach (var shape in new[] { MistralKernels.DenseShape.Warp, MistralKernels.DenseShape.Rows })
                    yield return new("matmul-dense", $"{format} {shape} {n}x{k} t{tokens}", $"N {n}, K {k}, {tokens} tokens",
                        "1e-6 + 1e-5·sum|x w|; GEMV vs GEMM 1e-7 + 1e-6·sum|x w|",
                        "fp32 accumulation of K products rounds relative to sum|x w|, far below 1e-5 of it for random data, while " +
                        "an indexing error moves results by sum|x w| / sqrt(K); the reference reads the weights as stored, so " +
                        "fp16 rounding is the format's error, not the kernel's.",
                        (a, check) => Check(a, check, format, shape, n, k, tokens));
    }

    private static void Check(Accelerator accelerator, ParityCheck check, WeightFormat format, MistralKernels.DenseShape shape, int n, int k, int tokens)
    {
        float[] w = ParityData.Random(n * k, 71, 0.1f);
        float[] x = ParityData.Random(tokens * k, 72);
        float[] stored = format == WeightFormat.Fp16 ? ParityData.RoundToHalf(w) : w;
        var (expected, magnitude) = MatMulReference.Compute(stored, x, n, k, tokens);
        using var weights = LinearWeights.Upload(accelerator, w, n, k, format);
        check.Equal((long)format, (long)weights.Format, "uploaded format");
        using var xBuffer = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>(tokens * n);
        MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens, MistralKernels.Int4Shape.Auto, null, shape);
        float[] gemm = y.ToArray();
        check.Within(expected, MatMulReference.Bounds(magnitude), gemm, "GEMM");
        MatMulReference.CheckGemvRows(accelerator, check, (row, one) => MistralKernels.MatMul(accelerator, weights, row, one, 1, MistralKernels.Int4Shape.Auto, null, shape),
            xBuffer, gemm, magnitude, n, k, tokens);
    }
}
