using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels.Parity;

/// <summary>
/// Every Mistral kernel against its scalar reference over one table of cases (ragged shapes, window edges, GQA 1/4/8,
/// a cache wrap, fp16/bf16, int4/fp16 GEMV and GEMM, argmax ties and NaN), like llama.cpp's test-backend-ops: the
/// tests run every row on every backend, and <c>mistral-gpu bench suite</c> runs it on the device it measures.
/// Each family's rows live beside its kernel (kernels/Norm/RmsNormParity.cs, ...), its reference beside them.
/// </summary>
public static class ParityTable
{
    /// <summary>Every row, family by family in the order of a decoder block.</summary>
    public static IReadOnlyList<ParityCase> All { get; } =
    [
        .. EmbeddingParity.Cases(),
        .. RmsNormParity.Cases(),
        .. MatMulDenseParity.Cases(),
        .. Int4MatMulParity.Cases(),
        .. Int4Q8MatMulParity.Cases(),
        .. ByteDotParity.Cases(),
        .. Int4GemvDp4aParity.Cases(),
        .. Int4MmaGemmParity.Cases(),
        .. LinearGroupParity.Cases(),
        .. MatMulSwiGluParity.Cases(),
        .. RopeParity.Cases(),
        .. RopeKvCacheParity.Cases(),
        .. KvCacheParity.Cases(),
        .. AttentionPrefillParity.Cases(),
        .. AttentionDecodeParity.Cases(),
        .. SwiGluParity.Cases(),
        .. ArgmaxParity.Cases(),
    ];

    /// <summary>The op families, in table order.</summary>
    public static IReadOnlyList<string> Families { get; } = [.. All.Select(c => c.Family).Distinct()];

    /// <summary>The row with <paramref name="id"/> ("family: name").</summary>
    /// <exception cref="ArgumentException">No such row, with the families listed.</exception>
    public static ParityCase Find(string id) => All.FirstOrDefault(c => c.Id == id)
        ?? throw new ArgumentException($"No parity case '{id}': the families are {string.Join(", ", Families)}.", nameof(id));

    /// <summary>Runs every row that applies to <paramref name="backend"/> on <paramref name="accelerator"/>, in table order.</summary>
    /// <param name="accelerator">The device (driven by this thread alone meanwhile).</param>
    /// <param name="backend">Its name, which decides the rows that do not apply.</param>
    /// <param name="include">Which rows to run; null for all.</param>
    /// <param name="onResult">Called after each row (progress, logging, a deadline check); return false to stop.</param>
    public static IReadOnlyList<ParityResult> Run(Accelerator accelerator, string backend, Func<ParityCase, bool>? include = null,
        Func<ParityResult, bool>? onResult = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var results = new List<ParityResult>();
        foreach (var row in All)
        {
            if (!row.AppliesTo(backend) || include?.Invoke(row) == false) continue;
            var result = row.Run(accelerator, backend);
            results.Add(result);
            if (onResult?.Invoke(result) == false) break;
        }
        return results;
    }
}
