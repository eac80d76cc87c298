using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Grouped products (q/k/v, gate/up) against <see cref="MatMulReference"/> per part over the stored weights: the
/// fused GEMV of one token and the per-part GEMM of a chunk both give every part's rows in its block of the output.
/// </summary>
internal static class LinearGroupParity
{
    /// <summary>
    /// (part rows, K, group size, tokens): a 7B-like 4:1:1 q/k/v split, gate/up halves, and 7 rows of K = 96 (21 scales) after which
    /// an int4 view would split a scale word, so int4 stays apart. No K is a multiple of 128, where the CPU backend's int4 takes the Q8 path and its bound.
    /// </summary>
    private static readonly (int[] Parts, int K, int GroupSize, int Tokens)[] Shapes =
        [([64, 16, 16], 192, 32, 3), ([37, 37], 64, 32, 2), ([100, 20, 20], 64, 32, 1), ([7, 9], 96, 32, 2)];

    public static IEnumerable<ParityCase> Cases()
    {
        foreach (var (parts, k, groupSize, tokens) in Shapes)
            foreach (var format in new[] { WeightFormat.Fp32, WeightFormat.Fp16, WeightFormat.Int4 })
                yield return new("matmul-group", $"{format} {string.Join('+', parts)}x{k} g{groupSize} t{tokens}", $"parts N {string.Join(", ", parts)}, K {k}, {tokens} tokens",
                    "1e-6 + 1e-5·sum|x w|; fused exactly where the backend is GPU-shaped and the rows can be views",
                    "each part's rows are the same products as a single matrix's (the dense and int4 bounds); fusing only " +
                    "moves rows, so an offset error in the concatenation or the views lands a whole part in the wrong block.",
                    (a, check) => Check(a, check, format, parts, k, groupSize, tokens));
    }

    private static void Check(Accelerator accelerator, ParityCheck check, WeightFormat format, int[] parts, int k, int groupSize, int tokens)
    {
        var weights = new List<LinearWeights>();
        var expected = new List<double>();
        var magnitude = new List<double>();
        float[] x = ParityData.Random((long)tokens * k, 82);
        for (int i = 0; i < parts.Length; i++)
        {
            float[] w = ParityData.Random((long)parts[i] * k, 81 + 10 * i, 0.1f);
            float[] stored = format switch
            {
                WeightFormat.Fp16 => ParityData.RoundToHalf(w),
                WeightFormat.Int4 => Int4Quantizer.Quantize(w, parts[i], k, groupSize).Dequantize(),
                _ => w,
            };
            var (y, m) = MatMulReference.Compute(stored, x, parts[i], k, tokens);
            expected.AddRange(y);
            magnitude.AddRange(m);
            weights.Add(LinearWeights.Upload(accelerator, w, parts[i], k, format, groupSize));
        }
        using var group = LinearGroup.Create(weights);
        // An int4 part must start on a scale word and a 16-byte word boundary to be a view.
        bool viewable = format != WeightFormat.Int4 || parts.SkipLast(1).Select((_, i) => parts.Take(i + 1).Sum()).All(s => s * (k / groupSize) % 2 == 0 && s * k / 8 % 4 == 0);
        check.Equal(accelerator.Info.Backend != BackendKind.Cpu && viewable ? 1 : 0, group.Fused is null ? 0 : 1, "fused");
        check.Equal(parts.Sum(), group.OutFeatures, "rows");
        using var xBuffer = accelerator.Upload<float>(x);
        using var output = accelerator.Allocate<float>((long)tokens * group.OutFeatures);
        MistralKernels.MatMul(accelerator, group, xBuffer, output, tokens);
        check.Within([.. expected], MatMulReference.Bounds([.. magnitude]), output.ToArray(), "chunk");

        // One token: the fused GEMV's row is the parts' rows side by side.
        var (one, oneMagnitude) = (new List<double>(), new List<double>());
        for (int i = 0, row = 0; i < parts.Length; row += tokens * parts[i], i++)
            for (int j = 0; j < parts[i]; j++)
            {
                one.Add(expected[row + j]);
                oneMagnitude.Add(magnitude[row + j]);
            }
        MistralKernels.MatMul(accelerator, group, xBuffer.Slice(0, k), output.Slice(0, group.OutFeatures), 1);
        check.Within([.. one], MatMulReference.Bounds([.. oneMagnitude]), output.ToArray().AsSpan(0, group.OutFeatures), "one token");
    }
}
