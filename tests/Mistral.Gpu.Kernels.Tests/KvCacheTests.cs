using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>The rotating KV cache write: layout [NKvHeads, CacheSlots, HeadDim], slot p % CacheSlots, last min(tokens, CacheSlots) tokens only, exact copies (fp32) or round-to-nearest-even halves (fp16).</summary>
public sealed class KvCacheTests(AttentionBackends backends) : IClassFixture<AttentionBackends>
{
    /// <summary>(kvHeads, headDim, slots, tokens, startPos).</summary>
    private static readonly Dictionary<string, (int KvHeads, int HeadDim, int Slots, int Tokens, int StartPos)> Cases = new()
    {
        ["one token, no wrap"] = (2, 16, 8, 1, 3),
        ["chunk wraps the end"] = (2, 32, 8, 5, 6),
        ["chunk longer than the cache"] = (1, 64, 8, 20, 13),
        ["chunk after several wraps"] = (4, 128, 16, 7, 50),
        ["exactly CacheSlots tokens"] = (2, 16, 8, 8, 5),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory, MemberData(nameof(CaseNames))]
    public void KvCacheWrite_fills_rotating_slots_on_cpu(string name) => Check(BackendKind.Cpu, name);

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void KvCacheWrite_fills_rotating_slots_on_opencl(string name) => Check(BackendKind.OpenCL, name);

    [Theory, MemberData(nameof(CaseNames))]
    public void KvCacheWrite_rounds_into_fp16_slots_on_cpu(string name) => CheckHalf(BackendKind.Cpu, name);

    [RequiresOpenCLTheory, MemberData(nameof(CaseNames))]
    public void KvCacheWrite_rounds_into_fp16_slots_on_opencl(string name) => CheckHalf(BackendKind.OpenCL, name);

    /// <summary>Where the layout <c>[NKvHeads, CacheSlots, HeadDim]</c> puts element d of KV head h at position p: copies k[t, h, :] there.</summary>
    private static T[] Expected<T>(T[] before, float[] source, Func<float, T> convert, int kvHeads, int headDim, int slots, int tokens, int startPos)
    {
        var expected = (T[])before.Clone();
        for (int t = Math.Max(0, tokens - slots); t < tokens; t++)
        {
            int slot = (startPos + t) % slots;
            for (int h = 0; h < kvHeads; h++)
                for (int d = 0; d < headDim; d++)
                    expected[(h * slots + slot) * headDim + d] = convert(source[(t * kvHeads + h) * headDim + d]);
        }
        return expected;
    }

    private void Check(BackendKind kind, string name)
    {
        var (kvHeads, headDim, slots, tokens, startPos) = Cases[name];
        var shape = new AttentionShape(kvHeads, kvHeads, headDim, slots, slots);
        var accelerator = backends.Get(kind);
        int row = kvHeads * headDim;
        float[] k = AttentionReference.Random(tokens * row, 3);
        float[] v = AttentionReference.Random(tokens * row, 4);
        float[] before = Enumerable.Repeat(-7f, slots * row).ToArray();
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Upload<float>(before);
        using var vCache = accelerator.Upload<float>(before);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, tokens, startPos);
        // A copy: bit-exact.
        Assert.Equal(Expected(before, k, x => x, kvHeads, headDim, slots, tokens, startPos), kCache.ToArray());
        Assert.Equal(Expected(before, v, x => x, kvHeads, headDim, slots, tokens, startPos), vCache.ToArray());
    }

    private void CheckHalf(BackendKind kind, string name)
    {
        var (kvHeads, headDim, slots, tokens, startPos) = Cases[name];
        var shape = new AttentionShape(kvHeads, kvHeads, headDim, slots, slots);
        var accelerator = backends.Get(kind);
        int row = kvHeads * headDim;
        // Values across the half range, subnormals (|x| < 6.1e-5) and overflow to infinity (|x| > 65520) included.
        float[] k = AttentionReference.Random(tokens * row, 3).Select((x, i) => x * MathF.Pow(10, i % 11 - 6)).ToArray();
        float[] v = AttentionReference.Random(tokens * row, 4).Select((x, i) => x * MathF.Pow(10, i % 7 - 3)).ToArray();
        Half[] before = Enumerable.Repeat((Half)(-7f), slots * row).ToArray();
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Upload<Half>(before);
        using var vCache = accelerator.Upload<Half>(before);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, tokens, startPos);
        // Round to nearest even, as .NET's (Half) cast does: bit-exact.
        Assert.Equal(Expected(before, k, x => (Half)x, kvHeads, headDim, slots, tokens, startPos), kCache.ToArray());
        Assert.Equal(Expected(before, v, x => (Half)x, kvHeads, headDim, slots, tokens, startPos), vCache.ToArray());
    }

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
