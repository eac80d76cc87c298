using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The matmul facade's argument checks (the dense parity rows are in kernels/MatMul/MatMulDenseParity.cs).</summary>
public sealed class MatMulDenseTests
{
    [Fact]
    public void MatMul_rejects_bad_input_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var weights = LinearWeights.Upload(accelerator, new float[8 * 64], 8, 64, WeightFormat.Int4);
            using var x = accelerator.Allocate<float>(128);
            using var y = accelerator.Allocate<float>(16);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 0)).ParamName);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, -3)).ParamName);
            Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, x, y, 3)).ParamName);
            using var bigX = accelerator.Allocate<float>(64 * 3);
            Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, weights, bigX, y, 3)).ParamName);
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, (LinearWeights)null!, x, y, 1)).ParamName);

            using var other = new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(1);
            using var foreign = LinearWeights.Upload(other, new float[8 * 64], 8, 64, WeightFormat.Fp32);
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, foreign, x, y, 1)).ParamName);
            var disposed = LinearWeights.Upload(accelerator, new float[8 * 64], 8, 64, WeightFormat.Fp16);
            disposed.Dispose();
            Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.MatMul(accelerator, disposed, x, y, 1)).ParamName);

            Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[8 * 36], 8, 36, WeightFormat.Int4)).ParamName);
            Assert.Equal("w", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[10], 8, 64, WeightFormat.Fp32)).ParamName);
            Assert.Equal("n", Assert.ThrowsAny<ArgumentException>(() => LinearWeights.Upload(accelerator, new float[10], 0, 64, WeightFormat.Fp16)).ParamName);
        });
    }
}
