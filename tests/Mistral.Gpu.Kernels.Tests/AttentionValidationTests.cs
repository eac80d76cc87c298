using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Bad input to the attention facade: an ArgumentException naming the argument, before anything runs.</summary>
public sealed class AttentionValidationTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    private static readonly AttentionShape Good = new(8, 2, 32, 16, 16);

    [Theory]
    [InlineData(6, 4, 32, 16, 16, "NHeads")]
    [InlineData(0, 1, 32, 16, 16, "NHeads")]
    [InlineData(4, 0, 32, 16, 16, "NKvHeads")]
    [InlineData(4, 2, 96, 16, 16, "HeadDim")]
    [InlineData(4, 2, 256, 16, 16, "HeadDim")]
    [InlineData(4, 2, 32, 0, 16, "CacheSlots")]
    [InlineData(4, 2, 32, 16, 0, "Window")]
    public void Shape_validation_names_the_field(int nHeads, int nKvHeads, int headDim, int slots, int window, string param)
    {
        var shape = new AttentionShape(nHeads, nKvHeads, headDim, slots, window);
        Assert.Equal(param, Assert.ThrowsAny<ArgumentException>(shape.Validate).ParamName);
        Assert.Equal(param, Assert.ThrowsAny<ArgumentException>(() => AttentionScratch.Create(backends.Get(BackendKind.Cpu), shape)).ParamName);
    }

    [Fact]
    public void Prefill_rejects_bad_arguments_naming_them()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        const int tokens = 5;
        using var q = accelerator.Allocate<float>(tokens * Good.QueryRowLength);
        using var k = accelerator.Allocate<float>(tokens * Good.KvRowLength);
        using var cache = accelerator.Allocate<float>(Good.CacheElements);
        using var output = accelerator.Allocate<float>(tokens * Good.QueryRowLength);
        using var shortOutput = accelerator.Allocate<float>(tokens * Good.QueryRowLength - 1);
        string? Param(Action a) => Assert.ThrowsAny<ArgumentException>(a).ParamName;
        Assert.Equal("startPos", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good, tokens, -1)));
        Assert.Equal("tokens", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good, 0, 0)));
        Assert.Equal("q", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good, tokens + 1, 0)));
        Assert.Equal("output", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, shortOutput, Good, tokens, 0)));
        Assert.Equal("kCache", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, k, cache, output, Good, tokens, 0)));
        Assert.Equal("NHeads", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good with { NHeads = 7 }, tokens, 0)));
        Assert.Equal("HeadDim", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good with { HeadDim = 48 }, tokens, 0)));
        // Full attention over a 16-slot cache cannot prefill from position 20: keys 0..3 have been overwritten.
        Assert.Equal("startPos", Param(() => MistralKernels.AttentionPrefill(accelerator, q, k, k, cache, cache, output, Good with { Window = int.MaxValue }, tokens, 20)));
    }

    [Fact]
    public void Decode_rejects_bad_arguments_naming_them()
    {
        var accelerator = backends.Get(BackendKind.Cpu);
        using var q = accelerator.Allocate<float>(Good.QueryRowLength);
        using var cache = accelerator.Allocate<float>(Good.CacheElements);
        using var output = accelerator.Allocate<float>(Good.QueryRowLength);
        using var scratch = AttentionScratch.Create(accelerator, Good);
        using var otherScratch = AttentionScratch.Create(accelerator, Good with { NHeads = 4 });
        string? Param(Action a) => Assert.ThrowsAny<ArgumentException>(a).ParamName;
        Assert.Equal("position", Param(() => MistralKernels.AttentionDecode(accelerator, q, cache, cache, output, Good, -3, scratch)));
        Assert.Equal("q", Param(() => MistralKernels.AttentionDecode(accelerator, output.Slice(0, 10), cache, cache, output, Good, 3, scratch)));
        Assert.Equal("vCache", Param(() => MistralKernels.AttentionDecode(accelerator, q, cache, q, output, Good, 3, scratch)));
        Assert.Equal("scratch", Param(() => MistralKernels.AttentionDecode(accelerator, q, cache, cache, output, Good, 3, otherScratch)));
        Assert.Equal("position", Param(() => MistralKernels.AttentionDecode(accelerator, q, cache, cache, output, Good with { Window = 17 }, 40, scratch)));
        Assert.Equal("maxSplits", Param(() => AttentionScratch.Create(accelerator, Good, -1)));
    }
}
