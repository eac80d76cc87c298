using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>Device argmax against <see cref="ArgmaxReference"/>: lowest index on ties, NaN ignored, -1 for an all-NaN row.</summary>
internal static class ArgmaxParity
{
    private static readonly int[] Vocabs = [1, 3, 37, 100, 4097, 32000];

    public static IEnumerable<ParityCase> Cases() => Vocabs.Select(vocab => new ParityCase("argmax", $"vocab {vocab}", $"8 rows x {vocab}", "exact",
        "an index is right or wrong; the rows hold ties, NaN, all-NaN, all -inf, all equal and +inf",
        (a, check) => Check(a, check, vocab)));

    private static void Check(Accelerator accelerator, ParityCheck check, int vocab)
    {
        const int rows = 8;
        float[] logits = ParityData.Random(rows * vocab, 31, 10f);
        var row = (int r) => logits.AsSpan(r * vocab, vocab);
        // Row 1: a tie at the maximum; the lower index must win.
        row(1)[vocab - 1] = 50f;
        row(1)[vocab / 3] = 50f;
        // Row 2: NaN everywhere but one value; NaN must not win even at index 0.
        row(2).Fill(float.NaN);
        row(2)[vocab / 2] = -3f;
        // Row 3: all NaN -> -1.
        row(3).Fill(float.NaN);
        // Row 4: all -inf -> index 0.
        row(4).Fill(float.NegativeInfinity);
        // Row 5: all equal -> index 0.
        row(5).Fill(1.5f);
        // Row 6: +inf beats everything, NaN before it is ignored.
        row(6)[0] = float.NaN;
        row(6)[vocab - 1] = float.PositiveInfinity;
        int[] expected = [.. Enumerable.Range(0, rows).Select(r => ArgmaxReference.Compute(row(r)))];
        // The reference itself on the rows whose answer is known by construction.
        check.Equal(vocab == 1 ? 0 : vocab / 3, expected[1], "reference on the tie");
        check.Equal(-1, expected[3], "reference on all NaN");

        using var logitBuffer = accelerator.Upload<float>(logits);
        using var result = accelerator.Allocate<int>(rows);
        MistralKernels.Argmax(accelerator, logitBuffer, result, rows, vocab);
        check.Exact<int>(expected, result.ToArray(), v => v, "argmax per row");
    }
}
