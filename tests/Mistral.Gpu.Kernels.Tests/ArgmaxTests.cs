using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>Device argmax on every backend: lowest index on ties, NaN ignored, -1 for an all-NaN row.</summary>
public sealed class ArgmaxTests
{
    private static readonly int[] Vocabs = [1, 3, 37, 100, 4097, 32000];

    public static TheoryData<string, int> Table() => Rows("cpu");

    public static TheoryData<string, int> OpenCLTable() => Rows("opencl");

    private static TheoryData<string, int> Rows(string backend)
    {
        var data = new TheoryData<string, int>();
        foreach (int vocab in Vocabs) data.Add(backend, vocab);
        return data;
    }

    /// <summary>The reference: the lowest index of the largest non-NaN value, -1 when there is none.</summary>
    private static int Reference(ReadOnlySpan<float> row)
    {
        int best = -1;
        for (int i = 0; i < row.Length; i++)
            if (!float.IsNaN(row[i]) && (best < 0 || row[i] > row[best])) best = i;
        return best;
    }

    [Theory, MemberData(nameof(Table))]
    public void Argmax_matches_reference_cpu(string backend, int vocab) => Check(backend, vocab);

    [RequiresOpenCLTheory, MemberData(nameof(OpenCLTable))]
    public void Argmax_matches_reference_opencl(string backend, int vocab) => Check(backend, vocab);

    private static void Check(string backend, int vocab)
    {
        const int rows = 8;
        float[] logits = MatMulData.Random(rows * vocab, 31, 10f);
        var row = (int r) => logits.AsSpan(r * vocab, vocab);
        // Row 1: the maximum twice, far apart (different lanes and warps): the lower index must win.
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
        MatMulBackends.With(backend, accelerator =>
        {
            using var logitBuffer = accelerator.Upload<float>(logits);
            using var result = accelerator.Allocate<int>(rows);
            MistralKernels.Argmax(accelerator, logitBuffer, result, rows, vocab);
            int[] got = result.ToArray();
            for (int r = 0; r < rows; r++) Assert.True(Reference(row(r)) == got[r], $"row {r}: got {got[r]}, expected {Reference(row(r))}");
        });
        Assert.Equal(vocab == 1 ? 0 : vocab / 3, Reference(row(1)));
        Assert.Equal(-1, Reference(row(3)));
    }

    [Fact]
    public void Argmax_rejects_bad_shapes_naming_the_argument()
    {
        MatMulBackends.With("cpu", accelerator =>
        {
            using var logits = accelerator.Allocate<float>(10);
            using var result = accelerator.Allocate<int>(1);
            Assert.Equal("rows", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 0, 10)).ParamName);
            Assert.Equal("vocab", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 1, 0)).ParamName);
            Assert.Equal("logits", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 1, 11)).ParamName);
            Assert.Equal("result", Assert.ThrowsAny<ArgumentException>(() => MistralKernels.Argmax(accelerator, logits, result, 2, 5)).ParamName);
        });
    }
}
