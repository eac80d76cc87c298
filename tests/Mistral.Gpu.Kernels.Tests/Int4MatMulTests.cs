using Mistral.Gpu.Runtime;
using Mistral.Gpu.Kernels.Parity;
using Xunit;
using Int4Shape = Mistral.Gpu.Kernels.MistralKernels.Int4Shape;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The int4 facade's own choice of kernel (its parity rows are in kernels/MatMul/Int4MatMulParity.cs).</summary>
public sealed class Int4MatMulTests
{
    /// <summary>K not in whole 128-blocks, so the facade keeps fp32 activations (Rows); whole blocks take the Q8 path, checked in Int4Q8MatMulTests.</summary>
    [Fact]
    public void Auto_shape_matches_reference_on_cpu_backend()
    {
        const int n = 48, k = 160, tokens = 5;
        float[] w = ParityData.Random(n * k, 61, 0.1f);
        float[] x = ParityData.Random(tokens * k, 62);
        MatMulBackends.With("cpu", accelerator =>
        {
            using var weights = LinearWeights.Upload(accelerator, w, n, k, WeightFormat.Int4, 32);
            Assert.Equal(WeightFormat.Int4, weights.Format);
            var (expected, magnitude) = MatMulReference.Compute(((Int4Weights)weights).Dequantized(accelerator), x, n, k, tokens);
            using var xBuffer = accelerator.Upload<float>(x);
            using var y = accelerator.Allocate<float>(tokens * n);
            MistralKernels.MatMul(accelerator, weights, xBuffer, y, tokens);
            ParityAssert.Within(expected, MatMulReference.Bounds(magnitude), y.ToArray(), "auto");
        });
    }
}

internal static class Int4WeightsTestExtensions
{
    public static float[] Dequantized(this Int4Weights weights, Accelerator accelerator)
    {
        using var output = accelerator.Allocate<float>((long)weights.OutFeatures * weights.InFeatures);
        MistralKernels.Int4Dequantize(accelerator, weights, output);
        return output.ToArray();
    }
}
