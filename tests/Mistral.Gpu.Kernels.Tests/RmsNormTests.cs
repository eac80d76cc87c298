using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>RMSNorm's argument checks (its parity rows are in kernels/Norm/RmsNormParity.cs).</summary>
public sealed class RmsNormTests
{
    private const float Eps = 1e-5f;

    [Fact]
    public void RmsNorm_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var x = accelerator.Allocate<float>(64);
            using var w = accelerator.Allocate<float>(16);
            using var y = accelerator.Allocate<float>(64);
            Assert.Equal("rows", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 0, 16, Eps)).ParamName);
            Assert.Equal("dim", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 4, -1, Eps)).ParamName);
            Assert.Equal("eps", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 4, 16, float.NaN)).ParamName);
            Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 5, 16, Eps)).ParamName);
            Assert.Equal("weight", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, y, 2, 32, Eps)).ParamName);
            using var shortY = accelerator.Allocate<float>(32);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNorm(accelerator, x, w, shortY, 4, 16, Eps)).ParamName);
            using var shortDelta = accelerator.Allocate<float>(16);
            Assert.Equal("delta", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNormResidual(accelerator, x, shortDelta, w, y, 4, 16, Eps)).ParamName);
            Assert.Equal("residual", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.RmsNormResidual(accelerator, y, x, w, x, 5, 16, Eps)).ParamName);
        });
    }
}
