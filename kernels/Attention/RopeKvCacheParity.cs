using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// The decode step's fused RoPE and cache write against <see cref="AttentionReference.Rope"/> and the rotating-cache rule
/// (slot position % CacheSlots of each KV head, other slots untouched), over fp32 and fp16 caches.
/// </summary>
internal static class RopeKvCacheParity
{
    private static readonly (string Name, int Position, int Heads, int KvHeads, int HeadDim, int Slots, float Theta)[] Shapes =
    [
        ("position 0, hd16", 0, 4, 4, 16, 8, 10000f),
        ("position 4000 wrapping 64 slots, GQA 4, hd128 (Mistral 7B's heads)", 4000, 32, 8, 128, 64, 10000f),
        ("position 100000, GQA 8, hd32, theta 1e6", 100000, 8, 1, 32, 512, 1e6f),
        ("position 13, GQA 2, hd8, 5 heads' runs", 13, 10, 5, 8, 16, 10000f),
    ];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (bool fp16 in new[] { false, true })
            foreach (var s in Shapes)
                yield return new ParityCase("rope-kv-cache", $"{s.Name}, {(fp16 ? "fp16" : "fp32")} cache",
                    $"one token at position {s.Position}, heads {s.Heads}/{s.KvHeads}, head_dim {s.HeadDim}, {s.Slots} slots, theta {s.Theta:0e0}",
                    fp16 ? "q, k: 2e-6 + 2e-6·|x|; cache: the reference rounded to half, 2e-6 + 2^-10·|x|" : "2e-6 + 2e-6·|x|",
                    "the rotation is RoPE's (same fp32 angle, cos/sin within a few ulp, ~1e-7 for |x| <= 1); the cache holds the " +
                    "rotated k and the untouched v at the token's slot, as halves for an fp16 cache (a value within 1e-7 of a " +
                    "rounding boundary may round the other way: one half-ulp, 2^-11 relative, inside 2^-10), and zeros elsewhere.",
                    (a, check) => Check(a, check, s.Position, s.Heads, s.KvHeads, s.HeadDim, s.Slots, s.Theta, fp16));
    }

    private static void Check(Accelerator accelerator, ParityCheck check, int position, int heads, int kvHeads, int headDim, int slots, float theta, bool fp16)
    {
        var shape = new AttentionShape(heads, kvHeads, headDim, slots, slots);
        float[] q = ParityData.Random(heads * headDim, 31);
        float[] k = ParityData.Random(kvHeads * headDim, 32);
        float[] v = ParityData.Random(kvHeads * headDim, 33);
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var table = RopeTable.Create(accelerator, headDim, theta);
        float[] kCache, vCache;
        if (fp16)
        {
            using var kc = accelerator.Allocate<Half>(shape.CacheElements);
            using var vc = accelerator.Allocate<Half>(shape.CacheElements);
            MistralKernels.RopeKvCacheWrite(accelerator, qBuffer, kBuffer, vBuffer, table, kc, vc, shape, position);
            kCache = Array.ConvertAll(kc.ToArray(), h => (float)h);
            vCache = Array.ConvertAll(vc.ToArray(), h => (float)h);
        }
        else
        {
            using var kc = accelerator.Allocate<float>(shape.CacheElements);
            using var vc = accelerator.Allocate<float>(shape.CacheElements);
            MistralKernels.RopeKvCacheWrite(accelerator, qBuffer, kBuffer, vBuffer, table, kc, vc, shape, position);
            kCache = kc.ToArray();
            vCache = vc.ToArray();
        }
        float[] qRotated = AttentionReference.Rope(q, 1, heads, headDim, position, theta);
        float[] kRotated = AttentionReference.Rope(k, 1, kvHeads, headDim, position, theta);
        check.Close(ParityData.Widen(qRotated), qBuffer.ToArray(), 2e-6, 2e-6, "q");
        check.Close(ParityData.Widen(kRotated), kBuffer.ToArray(), 2e-6, 2e-6, "k");
        var kExpected = new double[shape.CacheElements];
        var vExpected = new double[shape.CacheElements];
        int slot = position % slots;
        for (int h = 0; h < kvHeads; h++)
            for (int d = 0; d < headDim; d++)
            {
                int at = (h * slots + slot) * headDim + d;
                kExpected[at] = fp16 ? (float)(Half)kRotated[h * headDim + d] : kRotated[h * headDim + d];
                vExpected[at] = fp16 ? (float)(Half)v[h * headDim + d] : v[h * headDim + d];
            }
        double relative = fp16 ? Math.Pow(2, -10) : 2e-6;
        check.Close(kExpected, kCache, 2e-6, relative, "k cache");
        check.Close(vExpected, vCache, 2e-6, relative, "v cache");
    }
}
