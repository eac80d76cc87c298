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

    /// <summary>The facade's Auto takes the dp4a GEMV for one token on NVIDIA devices with dp4a only: sm_61 and later, either CUDA backend.</summary>
    [Theory]
    [InlineData(BackendKind.Cuda, "9.0", true)]
    [InlineData(BackendKind.Cuda, "6.1", true)]
    [InlineData(BackendKind.IlgpuCuda, "8.6", true)]
    [InlineData(BackendKind.Cuda, "12.0", true)]
    [InlineData(BackendKind.Cuda, "6.0", false)]
    [InlineData(BackendKind.Cuda, "5.2", false)]
    [InlineData(BackendKind.Cuda, "", false)]
    [InlineData(BackendKind.OpenCL, "", false)]
    [InlineData(BackendKind.IlgpuOpenCL, "", false)]
    [InlineData(BackendKind.Cpu, "", false)]
    public void Dp4a_is_available_on_cuda_from_sm_61(BackendKind backend, string capability, bool expected) =>
        Assert.Equal(expected, ByteDot.Available(new AcceleratorInfo { Backend = backend, Name = "test", ComputeCapability = capability }));

    /// <summary>The dp4a GEMV's shared memory holds x for K up to Dp4aMaxK: a longer row is refused, not overrun.</summary>
    [Fact]
    public void Dp4a_shape_rejects_k_beyond_its_shared_memory()
    {
        const int k = Int4MatMul.Dp4aMaxK + 32;
        MatMulBackends.With("cpu", accelerator =>
        {
            using var weights = Int4Weights.Upload(accelerator, Int4Quantizer.Quantize(ParityData.Random(2 * k, 63), 2, k, 32));
            using var x = accelerator.Allocate<float>(k);
            using var y = accelerator.Allocate<float>(2);
            var error = Assert.Throws<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 1, Int4Shape.Dp4a));
            Assert.Equal("shape", error.ParamName);
            Assert.Contains(Int4MatMul.Dp4aMaxK.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
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
