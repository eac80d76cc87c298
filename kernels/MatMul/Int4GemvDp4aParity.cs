using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The dp4a GEMV (<c>Int4MatMul.GemvDp4a</c>, forced on every backend; its primitive's rows are <see cref="ByteDotParity"/>):
/// the GEMV's integer parts against <see cref="Q8Reference"/> over the
/// device quantiser's own q (the kernel's prologue must round exactly as <c>QuantizeQ8</c> does), against the fp32
/// product of the dequantised weights with the Q8 path's rounding bound, and its SwiGLU epilogue.
/// </summary>
internal static class Int4GemvDp4aParity
{
    /// <summary>The GEMV's family in the table.</summary>
    public const string Family = "matmul-int4-dp4a";

    /// <summary>(N, K, group size, tokens): ragged and odd N (a lone last row of a pair), 4097 rows (groups loop over rows where
    /// the device has few units), K = 4096 and w2's 14336 with both group sizes, K not a multiple of 128 (96, 160: fp32 rows only,
    /// the Q8 quantiser needs 128-blocks), tokens &gt; 1 (the forced shape runs one GEMV per token).</summary>
    private static readonly (int N, int K, int GroupSize, int Tokens)[] Shapes =
        [(1, 32, 32, 1), (3, 96, 32, 1), (37, 128, 128, 1), (4097, 64, 32, 1), (67, 1024, 32, 1), (130, 1152, 128, 1), (64, 4096, 32, 1),
            (33, 4096, 128, 1), (5, 14336, 32, 1), (9, 14336, 128, 1), (20, 160, 32, 3), (66, 256, 128, 2)];

    /// <summary>(H, K, group size) of the fused gate/up rows: weights [2H, K], H outputs.</summary>
    private static readonly (int H, int K, int GroupSize)[] SwiGluShapes = [(1, 128, 32), (37, 1024, 128), (70, 4096, 32), (3, 14336, 128)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (n, k, groupSize, tokens) in Shapes)
        {
            if (k % 128 == 0 && tokens == 1)
                yield return new(Family, $"product {n}x{k} g{groupSize}", $"N {n}, K {k}, group {groupSize}, 1 token", "1e-6 + 1e-5·sum|terms|",
                    "the kernel's own int8 activations must be the device quantiser's (same rounding), so the integer parts are exact; " +
                    "only the fp32 sum over K/32 group terms rounds (2^-24 per addition)",
                    (a, check) => CheckProduct(a, check, n, k, groupSize));
            yield return new(Family, $"fp32 {n}x{k} g{groupSize} t{tokens}", $"N {n}, K {k}, group {groupSize}, {tokens} tokens",
                "1e-6 + 1e-5·sum|x w| + sum|w|·step/2",
                "against the fp32 product of the dequantised weights: rounding x to int8 moves each x by at most half its group's " +
                "step max|x|/127, so the product moves by at most sum_k |W[n, k]|·step(k)/2 (the Q8 path's bound); fp32 sums add 1e-5 of sum|x w|.",
                (a, check) => CheckFp32(a, check, n, k, groupSize, tokens));
        }
        foreach (var (h, k, groupSize) in SwiGluShapes)
            yield return new(Family, $"swiglu {h}x{k} g{groupSize}", $"H {h} (weights 2H x K), K {k}, group {groupSize}",
                "1.1·eg·|u| + |silu(g)|·eu + 1.1·eg·eu + 1e-5·|silu(g)·u| + 1e-6",
                "y = silu(g)·u from the exact Q8 products g, u (as the product rows, error eg, eu = 1e-6 + 1e-5·sum|terms|): " +
                "silu's slope is below 1.1, so g's error moves y by at most 1.1·eg·|u|; the device's exp and division add a few ulp.",
                (a, check) => CheckSwiGlu(a, check, h, k, groupSize));
    }

    private static void CheckProduct(Accelerator accelerator, ParityCheck check, int n, int k, int groupSize)
    {
        float[] w = ParityData.Random((long)n * k, 101, 0.1f);
        float[] x = ParityData.Random(k, 102, 2f);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var dx = accelerator.Upload<float>(x);
        var quantized = Q8Reference.QuantizeOnDevice(accelerator, dx, k, 1);
        var (expected, magnitude) = Q8Reference.Product(matrix, quantized, n, k, 1);
        using var y = accelerator.Allocate<float>(n);
        MistralKernels.GemvDp4a(accelerator, weights, dx, y, swiGlu: false);
        accelerator.Synchronize();
        check.Within(expected, MatMulReference.Bounds(magnitude), y.ToArray(), "dp4a GEMV vs exact Q8 product");
    }

    private static void CheckFp32(Accelerator accelerator, ParityCheck check, int n, int k, int groupSize, int tokens)
    {
        float[] w = ParityData.Random((long)n * k, 111, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 112);
        var matrix = Int4Quantizer.Quantize(w, n, k, groupSize);
        var (expected, bounds) = Q8Reference.AgainstFp32(matrix, x, n, k, tokens);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var dx = accelerator.Upload<float>(x);
        using var y = accelerator.Allocate<float>((long)tokens * n);
        MistralKernels.MatMul(accelerator, weights, dx, y, tokens, Int4Shape.Dp4a);
        check.Within(expected, bounds, y.ToArray(), "dp4a GEMV vs fp32 product");
    }

    private static void CheckSwiGlu(Accelerator accelerator, ParityCheck check, int h, int k, int groupSize)
    {
        float[] w = ParityData.Random(2L * h * k, 121, 0.1f);
        float[] x = ParityData.Random(k, 122, 2f);
        var matrix = Int4Quantizer.Quantize(w, 2 * h, k, groupSize);
        using var weights = Int4Weights.Upload(accelerator, matrix);
        using var dx = accelerator.Upload<float>(x);
        var quantized = Q8Reference.QuantizeOnDevice(accelerator, dx, k, 1);
        var (products, magnitude) = Q8Reference.Product(matrix, quantized, 2 * h, k, 1);
        var errors = MatMulReference.Bounds(magnitude);
        var expected = new double[h];
        var bounds = new double[h];
        for (int i = 0; i < h; i++)
        {
            double g = products[i], u = products[h + i], eg = errors[i], eu = errors[h + i];
            double silu = g / (1 + Math.Exp(-g));
            expected[i] = silu * u;
            bounds[i] = 1.1 * eg * Math.Abs(u) + Math.Abs(silu) * eu + 1.1 * eg * eu + 1e-5 * Math.Abs(silu * u) + 1e-6;
        }
        using var y = accelerator.Allocate<float>(h);
        MistralKernels.GemvDp4a(accelerator, weights, dx, y, swiGlu: true);
        accelerator.Synchronize();
        check.Within(expected, bounds, y.ToArray(), "dp4a GEMV with the SwiGLU epilogue");
    }
}
