using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Argmax's argument checks (its parity rows are in kernels/Elementwise/ArgmaxParity.cs).</summary>
public sealed class ArgmaxTests
{
    [Fact]
    public void Argmax_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var logits = accelerator.Allocate<float>(10);
            using var result = accelerator.Allocate<int>(1);
            Assert.Equal("rows", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 0, 10)).ParamName);
            Assert.Equal("vocab", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 1, 0)).ParamName);
            Assert.Equal("logits", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 1, 11)).ParamName);
            Assert.Equal("result", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 2, 5)).ParamName);
        });
    }
}
