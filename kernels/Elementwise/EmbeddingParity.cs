using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>The embedding lookup: rows copied exactly, ids outside the vocabulary give zero rows.</summary>
internal static class EmbeddingParity
{
    private static readonly int[] Dims = [1, 3, 37, 100, 128, 4097];

    public static IEnumerable<ParityCase> Cases() => Dims.Select(dim => new ParityCase("embedding", $"dim {dim}", $"10 ids, vocab 11, dim {dim}", "exact",
        "a copy: bit for bit; ids -1, 11, int.MaxValue, int.MinValue and 1e6 give zeros",
        (a, check) => Check(a, check, dim)));

    private static void Check(Accelerator accelerator, ParityCheck check, int dim)
    {
        const int vocab = 11;
        float[] table = ParityData.Random(vocab * dim, 21);
        int[] ids = [3, 0, 10, -1, 11, 7, int.MaxValue, int.MinValue, 3, 1_000_000];
        var expected = new float[ids.Length * dim];
        for (int t = 0; t < ids.Length; t++)
            if (ids[t] is >= 0 and < vocab) Array.Copy(table, ids[t] * dim, expected, t * dim, dim);
        using var tableBuffer = accelerator.Upload<float>(table);
        using var idBuffer = accelerator.Upload<int>(ids);
        using var output = accelerator.Allocate<float>(ids.Length * dim);
        output.CopyFrom(Enumerable.Repeat(float.NaN, ids.Length * dim).ToArray());
        MistralKernels.Embedding(accelerator, tableBuffer, idBuffer, output, ids.Length, dim, vocab);
        check.Exact(expected, output.ToArray(), "rows");
    }
}
