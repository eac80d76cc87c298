using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>RoPE on q and k against <see cref="AttentionReference.Rope"/>.</summary>
internal static class RopeParity
{
    private static readonly (string Name, int Tokens, int StartPos, int Heads, int KvHeads, int HeadDim, float Theta)[] Shapes =
    [
        ("one token at 0, hd16", 1, 0, 4, 4, 16, 10000f),
        ("7 tokens from 3, GQA 4, hd64", 7, 3, 8, 2, 64, 10000f),
        ("33 tokens from 4000, GQA 8, hd128", 33, 4000, 8, 1, 128, 10000f),
        ("5 tokens from 100000, hd32, theta 1e6", 5, 100000, 2, 1, 32, 1e6f),
        ("100 tokens, hd128, theta 1e6", 100, 17, 2, 2, 128, 1e6f),
    ];

    public static IEnumerable<ParityCase> Cases() => Shapes.Select(s => new ParityCase("rope", s.Name,
        $"{s.Tokens} tokens from position {s.StartPos}, heads {s.Heads}/{s.KvHeads}, head_dim {s.HeadDim}, theta {s.Theta:0e0}",
        "2e-6 + 2e-6·|x|",
        "the angle is formed in fp32 on both sides (bit-identical), so what remains is cos/sin within a few ulp and the " +
        "fp32 rounding (or FMA contraction) of the two-term rotation, ~1e-7 for |x| <= 1; a float64 angle instead would " +
        "be off by up to ~2e-4 at position 4000, far outside.",
        (a, check) => Check(a, check, s.Tokens, s.StartPos, s.Heads, s.KvHeads, s.HeadDim, s.Theta)));

    private static void Check(Accelerator accelerator, ParityCheck check, int tokens, int startPos, int heads, int kvHeads, int headDim, float theta)
    {
        float[] q = ParityData.Random(tokens * heads * headDim, 1);
        float[] k = ParityData.Random(tokens * kvHeads * headDim, 2);
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var table = RopeTable.Create(accelerator, headDim, theta);
        MistralKernels.Rope(accelerator, qBuffer, kBuffer, table, tokens, startPos, heads, kvHeads, headDim);
        check.Close(ParityData.Widen(AttentionReference.Rope(q, tokens, heads, headDim, startPos, theta)), qBuffer.ToArray(), 2e-6, 2e-6, "q");
        check.Close(ParityData.Widen(AttentionReference.Rope(k, tokens, kvHeads, headDim, startPos, theta)), kBuffer.ToArray(), 2e-6, 2e-6, "k");
    }
}
