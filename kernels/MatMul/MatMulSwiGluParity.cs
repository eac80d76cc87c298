using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The feed-forward's gate/up products with SwiGLU (<c>MistralKernels.MatMulSwiGlu</c>) against silu(g)·u of the
/// host's double products over the stored weights (over the device's int8 x where the CPU backend's Q8 path runs): the device's choice (one fused launch on GPU-shaped backends, two
/// elsewhere) and the warp GEMV's epilogue forced, for one token and for a chunk.
/// </summary>
internal static class MatMulSwiGluParity
{
    /// <summary>The family's name in the table.</summary>
    public const string Family = "matmul-swiglu";

    private static readonly (int H, int K, int GroupSize, int Tokens)[] Shapes =
        [(1, 128, 32, 1), (37, 1024, 128, 1), (70, 4096, 32, 1), (5, 14336, 128, 1), (48, 256, 32, 3)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (h, k, groupSize, tokens) in Shapes)
            foreach (var shape in tokens == 1 ? new[] { Int4Shape.Auto, Int4Shape.Warp } : [Int4Shape.Auto])
                yield return new(Family, $"{h}x{k} g{groupSize} t{tokens} {(shape == Int4Shape.Auto ? "device's choice" : "warp epilogue")}",
                    $"H {h} (gate and up {h} x {k} each, int4), group {groupSize}, {tokens} token(s)",
                    "1.1·eg·|u| + |silu(g)|·eu + 1.1·eg·eu + 1e-5·|silu(g)·u| + 1e-6, eg, eu = 1e-6 + 1e-5·sum|x w|",
                    "g and u are fp32 products (the int4 bound each); silu's slope is below 1.1, so g's error moves y by at most " +
                    "1.1·eg·|u|, u's by |silu(g)|·eu; the device's exp and division add a few ulp. A gate row paired with the " +
                    "wrong up row moves y by far more.",
                    (a, check) => Check(a, check, h, k, groupSize, tokens, shape));
    }

    private static void Check(Accelerator accelerator, ParityCheck check, int h, int k, int groupSize, int tokens, Int4Shape shape)
    {
        float[] gate = ParityData.Random((long)h * k, 141, 0.1f), up = ParityData.Random((long)h * k, 142, 0.1f);
        float[] x = ParityData.Random((long)tokens * k, 143, 2f);
        var gateMatrix = Int4Quantizer.Quantize(gate, h, k, groupSize);
        var upMatrix = Int4Quantizer.Quantize(up, h, k, groupSize);
        using var xBuffer = accelerator.Upload<float>(x);
        // The CPU backend keeps gate and up apart and multiplies them with x quantised to int8 (the Q8 path): there the
        // products are the exact integer ones over the device's own quantised x; elsewhere fp32 products of the weights.
        double[] g, gm, u, um;
        if (accelerator.Info.Backend == BackendKind.Cpu && k % 128 == 0)
        {
            var quantized = Q8Reference.QuantizeOnDevice(accelerator, xBuffer, k, tokens);
            (g, gm) = Q8Reference.Product(gateMatrix, quantized, h, k, tokens);
            (u, um) = Q8Reference.Product(upMatrix, quantized, h, k, tokens);
        }
        else
        {
            (g, gm) = MatMulReference.Compute(gateMatrix.Dequantize(), x, h, k, tokens);
            (u, um) = MatMulReference.Compute(upMatrix.Dequantize(), x, h, k, tokens);
        }
        double[] eg = MatMulReference.Bounds(gm), eu = MatMulReference.Bounds(um);
        var expected = new double[tokens * h];
        var bounds = new double[tokens * h];
        for (int i = 0; i < expected.Length; i++)
        {
            double silu = g[i] / (1 + Math.Exp(-g[i]));
            expected[i] = silu * u[i];
            bounds[i] = 1.1 * eg[i] * Math.Abs(u[i]) + Math.Abs(silu) * eu[i] + 1.1 * eg[i] * eu[i] + 1e-5 * Math.Abs(silu * u[i]) + 1e-6;
        }
        using var group = LinearGroup.Create([
            LinearWeights.Upload(accelerator, gate, h, k, WeightFormat.Int4, groupSize),
            LinearWeights.Upload(accelerator, up, h, k, WeightFormat.Int4, groupSize)]);
        using var scratch = accelerator.Allocate<float>(2L * tokens * h);
        using var hidden = accelerator.Allocate<float>((long)tokens * h);
        MistralKernels.MatMulSwiGlu(accelerator, group, xBuffer, scratch, hidden, tokens, shape);
        check.Within(expected, bounds, hidden.ToArray(), shape == Int4Shape.Auto ? "device's choice" : "warp epilogue");
    }
}
