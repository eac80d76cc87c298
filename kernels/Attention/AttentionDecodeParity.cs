using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;
using Choice = Mistral.Gpu.Kernels.MistralKernels.DecodeKernelChoice;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Flash-decoding, every position one token at a time through the rotating cache, against
/// <see cref="AttentionReference.Attention"/> and against prefill: the device's own kernel, each split kernel forced
/// with an fp32 and an fp16 cache, and 1..1000 splits across a cache wrap.
/// </summary>
internal static class AttentionDecodeParity
{
    private const int Full = int.MaxValue;

    /// <summary>The family's name in the table.</summary>
    public const string Family = "attention-decode";

    private static readonly (string Name, AttentionCase Case)[] Shapes =
    [
        ("hd16 W8 positions to 50 (6 wraps)", new(2, 2, 16, 50, 8, 8)),
        ("GQA4 hd64 W8 positions to 50", new(8, 2, 64, 50, 8, 8)),
        ("GQA8 hd128 W8 positions to 50", new(8, 1, 128, 50, 8, 8)),
        ("GQA16 hd128 W24 (two row tiles per KV head)", new(16, 1, 128, 30, 24, 24)),
        ("hd32 W1", new(2, 1, 32, 12, 1, 1)),
        ("GQA2 hd8 full attention (stories260K shape)", new(8, 4, 8, 40, Full, 512)),
        ("GQA4 hd32 full attention to 40", new(4, 1, 32, 40, Full, 40)),
        ("GQA4 hd128 W20 logits ~1e3", new(4, 1, 128, 30, 20, 20, 0, 55f)),
    ];

    /// <summary>The GPU-shaped split kernel has no CPU group body: the cpu row already runs its lanes.</summary>
    internal static readonly IReadOnlyDictionary<string, string> GpuShapedNotOn = new Dictionary<string, string>
    {
        ["cpu-lanes"] = "the GPU-shaped kernel has no CPU group body, so the cpu row already runs its lanes",
    };

    /// <summary>The split kernels by their names in the table.</summary>
    internal static readonly (string Name, Choice Choice)[] Kernels = [("gpu-shaped", Choice.GpuShaped), ("cpu-shaped", Choice.CpuShaped)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (name, c) in Shapes)
            yield return new(Family, name, c.Describe(), c.ToleranceText, AttentionCase.Why, (a, check) => CheckAll(a, check, c));
        foreach (var (name, c) in Shapes)
            yield return new(Family, $"{name} vs prefill", c.Describe(), $"{(c.InputScale > 10 ? 1e-3 : 1e-5):0e0} + 1e-5·|y|",
                "decode with 3 splits and prefill, both fp32 over the same keys, differ only in tile boundaries and the split combine: a few ulp",
                (a, check) => CheckAgainstPrefill(a, check, c));
        foreach (var (kernel, choice) in Kernels)
            foreach (bool fp16 in new[] { false, true })
                foreach (var (name, c) in Shapes)
                    yield return new(Family, $"{name} {kernel} {(fp16 ? "fp16" : "fp32")} cache", c.Describe(), c.ToleranceText,
                        AttentionCase.Why + (fp16 ? " With an fp16 cache the reference reads the same half-rounded keys and values, so the fp32 bound applies." : ""),
                        (a, check) => CheckKernel(a, check, c, choice, fp16))
                    { NotOn = choice == Choice.GpuShaped ? GpuShapedNotOn : new Dictionary<string, string>() };
        foreach (var (kernel, choice) in Kernels)
            foreach (int splits in new[] { 1, 2, 3, 7, 1000 })
                yield return new(Family, $"{splits} splits {kernel} across a cache wrap", "400 positions through a 300-slot cache, window 300, heads 4/1, head_dim 64",
                    "2e-5 + 1e-4·|y|", "the decode at 399 reads slots that wrapped; 1..1000 splits (clamped to the scratch's limit) must agree with the reference. " + AttentionCase.Why,
                    (a, check) => CheckSplits(a, check, choice, splits))
                { NotOn = choice == Choice.GpuShaped ? GpuShapedNotOn : new Dictionary<string, string>() };
    }

    private static void CheckAll(Accelerator accelerator, ParityCheck check, AttentionCase c)
    {
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        double[] expected = AttentionReference.Attention(q, k, v, c.Shape, c.Tokens, 0);
        check.Close(expected, AttentionRunner.DecodeAll(accelerator, c, q, k, v), c.Tolerance, 1e-4, "every position");
    }

    private static void CheckAgainstPrefill(Accelerator accelerator, ParityCheck check, AttentionCase c)
    {
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        float[] prefill = AttentionRunner.Prefill(accelerator, c, q, k, v);
        float[] decode = AttentionRunner.DecodeAll(accelerator, c, q, k, v, splits: 3);
        check.Close(ParityData.Widen(prefill), decode, c.InputScale > 10 ? 1e-3 : 1e-5, 1e-5, "decode vs prefill");
    }

    private static void CheckKernel(Accelerator accelerator, ParityCheck check, AttentionCase c, Choice kernel, bool fp16)
    {
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        float[] kHeld = fp16 ? ParityData.RoundToHalf(k) : k, vHeld = fp16 ? ParityData.RoundToHalf(v) : v;
        double[] expected = AttentionReference.Attention(q, kHeld, vHeld, c.Shape, c.Tokens, 0);
        check.Close(expected, AttentionRunner.DecodeAll(accelerator, c, q, k, v, kernel: kernel, fp16Cache: fp16), c.Tolerance, 1e-4, "every position");
    }

    private static void CheckSplits(Accelerator accelerator, ParityCheck check, Choice kernel, int splits)
    {
        var c = new AttentionCase(4, 1, 64, 400, 300, 300);
        var (actual, expected) = AttentionRunner.DecodeLast(accelerator, c, (q, kCache, vCache, output, scratch) =>
            MistralKernels.AttentionDecodeWithSplits(accelerator, q, kCache, vCache, output, c.Shape, c.Tokens - 1, scratch, splits, null, kernel));
        check.Close(expected, actual, c.Tolerance, 1e-4, $"decode at {c.Tokens - 1}");
    }
}
