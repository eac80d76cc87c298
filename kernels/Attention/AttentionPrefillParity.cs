using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Choice = Mistral.Gpu.Kernels.MistralKernels.DecodeKernelChoice;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// FlashAttention prefill against <see cref="AttentionReference.Attention"/> at window edges, GQA 1..8, chunked through
/// the rotating cache: the device's own kernel, each kernel forced (the tensor-core one against the reference over its
/// fp16-rounded inputs), and chunked prefill over an fp16 cache.
/// </summary>
internal static class AttentionPrefillParity
{
    private const int Full = int.MaxValue;

    /// <summary>The family's name in the table.</summary>
    public const string Family = "attention-prefill";

    private static readonly (string Name, AttentionCase Case)[] Shapes =
    [
        ("T1 hd64 W8", new(4, 4, 64, 1, 8, 8)),
        ("T7 hd64 full attention", new(4, 4, 64, 7, Full, 7)),
        ("T33 GQA4 hd32 W8", new(8, 2, 32, 33, 8, 8)),
        ("T100 GQA8 hd128 W16", new(8, 1, 128, 100, 16, 16)),
        ("T100 GQA4 hd16 W1", new(4, 1, 16, 100, 1, 1)),
        ("T33 hd16 W=T", new(2, 2, 16, 33, 33, 33)),
        ("T100 GQA2 hd128 W40 < T", new(4, 2, 128, 100, 40, 40)),
        ("T37 hd8 W20", new(2, 2, 8, 37, 20, 20)),
        ("T100 GQA2 hd8 full attention (stories260K shape)", new(8, 4, 8, 100, Full, 512)),
        ("T37 hd16 W20", new(2, 2, 16, 37, 20, 20)),
        ("T37 hd32 W20", new(2, 2, 32, 37, 20, 20)),
        ("T37 hd64 W20", new(2, 2, 64, 37, 20, 20)),
        ("T37 hd128 W20", new(2, 2, 128, 37, 20, 20)),
        ("T7 GQA8 hd64 W4", new(8, 1, 64, 7, 4, 4)),
        ("T100 hd16 W3 (whole key tiles masked per row)", new(2, 1, 16, 100, 3, 3)),
        ("T50 GQA4 hd64 W30 logits ~1e3", new(4, 1, 64, 50, 30, 30, 0, 55f)),
        ("T60 GQA4 hd64 W16 chunks of 1", new(8, 2, 64, 60, 16, 16, 1)),
        ("T60 GQA4 hd64 W16 chunks of 3", new(8, 2, 64, 60, 16, 16, 3)),
        ("T60 GQA4 hd64 W16 chunks of 8", new(8, 2, 64, 60, 16, 16, 8)),
        ("T60 GQA4 hd64 W16 chunks of 20 (> CacheSlots)", new(8, 2, 64, 60, 16, 16, 20)),
        ("T45 GQA4 hd32 full attention chunks of 8", new(4, 1, 32, 45, Full, 45, 8)),
        ("T50 GQA8 hd128 W8 chunks of 3", new(8, 1, 128, 50, 8, 8, 3)),
        ("T100 hd16 W5 chunks of 40", new(2, 2, 16, 100, 5, 5, 40)),
        ("T40 GQA4 hd128 W12 chunks of 7 logits ~1e3", new(4, 1, 128, 40, 12, 12, 7, 55f)),
    ];

    /// <summary>The row id of a case run through one kernel with an fp32 cache (what the instruction-set tests rerun).</summary>
    public static string KernelRowId(string name, string kernel) => $"{Family}: {name} {kernel}";

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (name, c) in Shapes)
            yield return new(Family, name, c.Describe(), c.ToleranceText, AttentionCase.Why, (a, check) => Check(a, check, c, Choice.ByDevice, false));
        foreach (var (kernel, choice) in AttentionDecodeParity.Kernels)
            foreach (var (name, c) in Shapes)
                yield return Row($"{name} {kernel}", c, choice, false);
        // The cases that read earlier chunks back from the cache: the ones with an fp16 cache to test.
        foreach (var (kernel, choice) in AttentionDecodeParity.Kernels)
            foreach (var (name, c) in Shapes.Where(s => s.Case.Chunk > 0))
                yield return Row($"{name} {kernel} fp16 cache", c, choice, true);
        if (Shapes.Count(s => MmaShapes.Contains(s.Name)) != MmaShapes.Count)
            throw new InvalidOperationException("A tensor-core prefill shape names no shape of the table.");
        foreach (var (name, c) in Shapes.Where(s => MmaShapes.Contains(s.Name)))
        {
            yield return MmaRow($"{name} mma-shaped", c, false);
            if (c.Chunk > 0) yield return MmaRow($"{name} mma-shaped fp16 cache", c, true);
        }
    }

    /// <summary>
    /// The shapes the tensor-core kernel runs (its fallback exchanges every fragment, slow off tensor cores): every head
    /// size it takes, GQA 1..8, the window edges, whole masked tiles, logits ~1e3, and chunks through the cache.
    /// </summary>
    private static readonly HashSet<string> MmaShapes =
    [
        "T1 hd64 W8", "T33 GQA4 hd32 W8", "T100 GQA8 hd128 W16", "T37 hd16 W20", "T100 hd16 W3 (whole key tiles masked per row)",
        "T50 GQA4 hd64 W30 logits ~1e3", "T60 GQA4 hd64 W16 chunks of 3", "T40 GQA4 hd128 W12 chunks of 7 logits ~1e3",
    ];

    /// <summary>
    /// Bound of the tensor-core kernel against the reference over the inputs it actually multiplies (q·scale, k and v
    /// rounded to fp16): its weights are rounded to fp16 (relative 2^-11, each ≤ 1) before P·V, which moves an output,
    /// a weighted mean of values in ±1, by at most 2^-11 ≈ 4.9e-4; on top of the fp32 bound.
    /// </summary>
    private static double MmaTolerance(AttentionCase c) => Math.Pow(2, -11) + c.Tolerance;

    private static ParityCase MmaRow(string name, AttentionCase c, bool fp16) =>
        new(Family, name, c.Describe(), $"{MmaTolerance(c):0.0e0} + 1e-4·|y|",
            "against the reference over fp16-rounded q·scale, k and v (what the tensor cores multiply); the weights' rounding " +
            "to fp16 before P·V moves an output (a weighted mean of values in ±1) by at most 2^-11, added to the fp32 bound. " + AttentionCase.Why,
            (a, check) => CheckMma(a, check, c, fp16))
        { NotOn = AttentionDecodeParity.GpuShapedNotOn };

    private static void CheckMma(Accelerator accelerator, ParityCheck check, AttentionCase c, bool fp16)
    {
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        float scale = 1f / MathF.Sqrt(c.HeadDim);
        // What the kernel multiplies: q·scale as a half (scaled back here, the reference scales again), k and v as halves.
        float[] qHalf = q.Select(x => (float)(double)(Half)(x * scale) / scale).ToArray();
        double[] expected = AttentionReference.Attention(qHalf, ParityData.RoundToHalf(k), ParityData.RoundToHalf(v), c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.Prefill(accelerator, c, q, k, v, fp16Cache: fp16, kernel: Choice.MmaShaped);
        check.Close(expected, actual, MmaTolerance(c), 1e-4, "every token");
    }

    private static ParityCase Row(string name, AttentionCase c, Choice choice, bool fp16) =>
        new(Family, name, c.Describe(), c.ToleranceText,
            AttentionCase.Why + (fp16 ? " A chunk's queries see earlier chunks' keys and values as halves (what the cache holds) and " +
                "their own chunk's in fp32; the reference reads exactly that, so the fp32 bound applies." : ""),
            (a, check) => Check(a, check, c, choice, fp16))
        { NotOn = choice == Choice.GpuShaped ? AttentionDecodeParity.GpuShapedNotOn : new Dictionary<string, string>() };

    private static void Check(Accelerator accelerator, ParityCheck check, AttentionCase c, Choice kernel, bool fp16)
    {
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = fp16 ? ExpectedOverHalfCache(c, q, k, v) : AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        float[] actual = AttentionRunner.Prefill(accelerator, c, q, k, v, fp16Cache: fp16, kernel: kernel);
        check.Close(expected, actual, c.Tolerance, 1e-4, "every token");
    }

    private static double[] ExpectedOverHalfCache(AttentionCase c, float[] q, float[] k, float[] v)
    {
        var shape = c.Shape;
        float[] kHalf = ParityData.RoundToHalf(k), vHalf = ParityData.RoundToHalf(v);
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        var expected = new double[c.Tokens * qRow];
        for (int start = 0; start < c.Tokens; start += c.Chunk)
        {
            int n = Math.Min(c.Chunk, c.Tokens - start);
            float[] kSeen = kHalf[..(start * kvRow)].Concat(k[(start * kvRow)..]).ToArray();
            float[] vSeen = vHalf[..(start * kvRow)].Concat(v[(start * kvRow)..]).ToArray();
            AttentionReference.Attention(q[(start * qRow)..((start + n) * qRow)], kSeen, vSeen, shape, n, start).CopyTo(expected, start * qRow);
        }
        return expected;
    }
}
