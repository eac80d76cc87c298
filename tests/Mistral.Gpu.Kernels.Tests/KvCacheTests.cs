using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The KV cache write's argument checks (its parity rows are in kernels/Attention/KvCacheParity.cs).</summary>
public sealed class KvCacheTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    [Fact]
    public void KvCacheWrite_rejects_bad_arguments_naming_them()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        var shape = new AttentionShape(4, 2, 16, 8, 8);
        using var k = accelerator.Allocate<float>(3 * 32);
        using var cache = accelerator.Allocate<float>(8 * 32);
        using var shortCache = accelerator.Allocate<float>(7 * 32);
        Assert.Equal("startPos", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.KvCacheWrite(accelerator, k, k, cache, cache, shape, 3, -2)).ParamName);
        Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.KvCacheWrite(accelerator, k, k, cache, cache, shape, 0, 0)).ParamName);
        Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.KvCacheWrite(accelerator, k, k, cache, cache, shape, 4, 0)).ParamName);
        Assert.Equal("vCache", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.KvCacheWrite(accelerator, k, k, cache, shortCache, shape, 3, 0)).ParamName);
        Assert.Equal("NHeads", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.KvCacheWrite(accelerator, k, k, cache, cache, shape with { NHeads = 5 }, 3, 0)).ParamName);
    }
}
