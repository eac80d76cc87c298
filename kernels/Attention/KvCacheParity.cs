using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The rotating KV cache write: layout [NKvHeads, CacheSlots, HeadDim], slot p % CacheSlots, last min(tokens,
/// CacheSlots) tokens only, exact copies (fp32) or round-to-nearest-even halves (fp16).
/// </summary>
internal static class KvCacheParity
{
    private static readonly (string Name, int KvHeads, int HeadDim, int Slots, int Tokens, int StartPos)[] Shapes =
    [
        ("one token, no wrap", 2, 16, 8, 1, 3),
        ("chunk wraps the end", 2, 32, 8, 5, 6),
        ("chunk longer than the cache", 1, 64, 8, 20, 13),
        ("chunk after several wraps", 4, 128, 16, 7, 50),
        ("exactly CacheSlots tokens", 2, 16, 8, 8, 5),
    ];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var s in Shapes)
        {
            string shape = $"kv heads {s.KvHeads}, head_dim {s.HeadDim}, {s.Slots} slots, {s.Tokens} tokens from {s.StartPos}";
            yield return new("kv-cache", $"fp32 {s.Name}", shape, "exact", "a copy into the slot p % CacheSlots: bit for bit",
                (a, check) => CheckFp32(a, check, s.KvHeads, s.HeadDim, s.Slots, s.Tokens, s.StartPos));
            yield return new("kv-cache", $"fp16 {s.Name}", shape, "exact",
                "round to nearest even, as .NET's (Half) cast does, across the half range (subnormals and overflow to infinity included): bit for bit",
                (a, check) => CheckHalf(a, check, s.KvHeads, s.HeadDim, s.Slots, s.Tokens, s.StartPos));
        }
    }

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

    private static void CheckFp32(Accelerator accelerator, ParityCheck check, int kvHeads, int headDim, int slots, int tokens, int startPos)
    {
        var shape = new AttentionShape(kvHeads, kvHeads, headDim, slots, slots);
        int row = kvHeads * headDim;
        float[] k = ParityData.Random(tokens * row, 3);
        float[] v = ParityData.Random(tokens * row, 4);
        float[] before = Enumerable.Repeat(-7f, slots * row).ToArray();
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Upload<float>(before);
        using var vCache = accelerator.Upload<float>(before);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, tokens, startPos);
        check.Exact(Expected(before, k, x => x, kvHeads, headDim, slots, tokens, startPos), kCache.ToArray(), "k cache");
        check.Exact(Expected(before, v, x => x, kvHeads, headDim, slots, tokens, startPos), vCache.ToArray(), "v cache");
    }

    private static void CheckHalf(Accelerator accelerator, ParityCheck check, int kvHeads, int headDim, int slots, int tokens, int startPos)
    {
        var shape = new AttentionShape(kvHeads, kvHeads, headDim, slots, slots);
        int row = kvHeads * headDim;
        float[] k = ParityData.Random(tokens * row, 3).Select((x, i) => x * MathF.Pow(10, i % 11 - 6)).ToArray();
        float[] v = ParityData.Random(tokens * row, 4).Select((x, i) => x * MathF.Pow(10, i % 7 - 3)).ToArray();
        Half[] before = Enumerable.Repeat((Half)(-7f), slots * row).ToArray();
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Upload<Half>(before);
        using var vCache = accelerator.Upload<Half>(before);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, tokens, startPos);
        check.Exact<Half>(Expected(before, k, x => (Half)x, kvHeads, headDim, slots, tokens, startPos), kCache.ToArray(), h => (double)h, "k cache");
        check.Exact<Half>(Expected(before, v, x => (Half)x, kvHeads, headDim, slots, tokens, startPos), vCache.ToArray(), h => (double)h, "v cache");
    }
}
