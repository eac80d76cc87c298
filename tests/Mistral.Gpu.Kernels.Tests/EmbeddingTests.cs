using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The embedding lookup's argument checks (its parity rows are in kernels/Elementwise/EmbeddingParity.cs).</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public void Embedding_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var table = accelerator.Allocate<float>(40);
            using var ids = accelerator.Allocate<int>(2);
            using var output = accelerator.Allocate<float>(8);
            Assert.Equal("count", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 0, 4, 10)).ParamName);
            Assert.Equal("dim", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 0, 10)).ParamName);
            Assert.Equal("vocab", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 4, 0)).ParamName);
            Assert.Equal("table", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 4, 11)).ParamName);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 3, 2, 10)).ParamName);
            Assert.Equal("output", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Embedding(accelerator, table, ids, output, 2, 8, 5)).ParamName);
        });
    }
}
