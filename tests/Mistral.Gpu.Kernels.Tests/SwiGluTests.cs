using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>SwiGLU's argument checks (its parity rows are in kernels/Elementwise/SwiGluParity.cs).</summary>
public sealed class SwiGluTests
{
    [Fact]
    public void SwiGlu_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var a = accelerator.Allocate<float>(8);
            using var b = accelerator.Allocate<float>(4);
            Assert.Equal("count", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, a, a, 0)).ParamName);
            Assert.Equal("up", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, b, a, 8)).ParamName);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.SwiGlu(accelerator, a, a, b, 8)).ParamName);
        });
    }
}
