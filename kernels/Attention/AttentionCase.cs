using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// One attention case: shape, sequence length, chunking (prefill chunk size; 0 = the whole sequence in one call), input
/// scale (q and k uniform in ±InputScale; 55 gives logits around 1e3) and its tolerance.
/// </summary>
internal sealed record AttentionCase(int NHeads, int NKvHeads, int HeadDim, int Tokens, int Window, int CacheSlots,
    int Chunk = 0, float InputScale = 1f)
{
    public AttentionShape Shape => new(NHeads, NKvHeads, HeadDim, CacheSlots, Window);

    /// <summary>
    /// Absolute tolerance (plus 1e-4 relative). With inputs in ±1 the outputs are convex combinations of values
    /// in ±1; fp32 dot products of at most 128 terms and the online softmax leave errors of ~1e-7 (measured
    /// 1.6e-7 on the scalar lowering), so 2e-5 keeps two orders of margin for device exp/FMA differences, while a
    /// wrong key (window off by one, wrong GQA head, a dropped tile) moves outputs by 1e-2 or more.
    /// With logits ~1e3 a logit's own fp32 rounding is ~1e-4 absolute and e^(Δlogit) turns it into a relative
    /// change of the weights of the same size (measured 1e-4): 1e-3 there.
    /// </summary>
    public double Tolerance => InputScale > 10 ? 1e-3 : 2e-5;

    /// <summary>The shape in words, for the parity table.</summary>
    public string Describe() =>
        $"heads {NHeads}/{NKvHeads} (GQA {NHeads / NKvHeads}), head_dim {HeadDim}, {Tokens} tokens, window {(Window == int.MaxValue ? "none" : Window)}, {CacheSlots} cache slots" +
        (Chunk > 0 ? $", chunks of {Chunk}" : "") + (InputScale > 1 ? $", q/k in ±{InputScale}" : "");

    /// <summary>The bound in short, for the parity table.</summary>
    public string ToleranceText => $"{Tolerance:0e0} + 1e-4·|y|";

    /// <summary>Why that bound, for the parity table.</summary>
    public const string Why =
        "outputs are convex combinations of values in ±1; fp32 dots of <= 128 terms and the online softmax leave ~1e-7, " +
        "so 2e-5 keeps two orders of margin for device exp/FMA while a wrong key (window off by one, wrong GQA head, a " +
        "dropped tile) moves outputs by 1e-2 or more; with logits ~1e3 a logit's own fp32 rounding (~1e-4) becomes a " +
        "relative change of the weights of that size: 1e-3 there.";

    public float[] Queries() => ParityData.Random(Tokens * NHeads * HeadDim, 11, InputScale);
    public float[] Keys() => ParityData.Random(Tokens * NKvHeads * HeadDim, 12, InputScale);
    public float[] Values() => ParityData.Random(Tokens * NKvHeads * HeadDim, 13);
}
