namespace Mistral.Gpu.Kernels;

/// <summary>
/// A matrix W [N][K] quantised on the host to group-wise symmetric int4, in the device layout
/// (kernels/MatMul/README.md): <see cref="Packed"/> [N][K/8] words, <see cref="Scales"/> [N][K/GroupSize].
/// </summary>
public sealed class Int4Matrix
{
    internal Int4Matrix(uint[] packed, Half[] scales, int outFeatures, int inFeatures, int groupSize)
    {
        Packed = packed;
        Scales = scales;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        GroupSize = groupSize;
    }

    /// <summary>Word j of row n holds k = 8j..8j+7; nibble i (bits 4i..4i+3) is q + 8 for k = 8j + i.</summary>
    public uint[] Packed { get; }

    /// <summary>Scale of row n, group g (k = g*GroupSize .. +GroupSize-1) at [n * (K / GroupSize) + g].</summary>
    public Half[] Scales { get; }

    /// <summary>N.</summary>
    public int OutFeatures { get; }

    /// <summary>K.</summary>
    public int InFeatures { get; }

    /// <summary>Consecutive k per scale.</summary>
    public int GroupSize { get; }

    /// <summary>The signed quantised value q in [-8, 7] of element (n, k).</summary>
    public int QuantizedAt(int n, int k) => (int)((Packed[n * (InFeatures / 8) + k / 8] >> (4 * (k % 8))) & 15u) - 8;

    /// <summary>The dequantised weight q * s of element (n, k), in fp32 as the kernels compute it.</summary>
    public float ValueAt(int n, int k) => QuantizedAt(n, k) * (float)Scales[n * (InFeatures / GroupSize) + k / GroupSize];

    /// <summary>The whole matrix dequantised to fp32, row-major [N][K].</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)OutFeatures * InFeatures];
        for (int n = 0; n < OutFeatures; n++)
            for (int k = 0; k < InFeatures; k++) result[(long)n * InFeatures + k] = ValueAt(n, k);
        return result;
    }
}

/// <summary>
/// Host quantiser to group-wise symmetric int4 with fp16 scales: for each row and each group of
/// <c>groupSize</c> consecutive k, <c>s = max|w| / 7</c> rounded to fp16, <c>q = clamp(round(w / s), -8, 7)</c>
/// (ties to even), so the dequantised error is at most s/2 per element. A group whose s is 0 (all zeros, or
/// values too small for an fp16 scale) stores q = 0. Scales beyond fp16's range are clamped to 65504.
/// </summary>
public static class Int4Quantizer
{
    /// <summary>Quantises <paramref name="weights"/> [n*k] (row-major [N][K]).</summary>
    /// <exception cref="ArgumentException">n or k is not positive, weights does not hold n*k values, groupSize is
    /// not 32 or 128, or k is not a multiple of 8 and of groupSize.</exception>
    public static Int4Matrix Quantize(ReadOnlySpan<float> weights, int n, int k, int groupSize = 32)
    {
        if (!Int4Weights.SupportedGroupSizes.Contains(groupSize))
            throw new ArgumentException($"groupSize must be 32 or 128, got {groupSize}.", nameof(groupSize));
        if (n <= 0) throw new ArgumentException($"n must be positive, got {n}.", nameof(n));
        if (k <= 0 || k % 8 != 0 || k % groupSize != 0)
            throw new ArgumentException(
                $"k = {k} must be a positive multiple of 8 and of the group size {groupSize} for int4; keep such a matrix in fp16 (see Int4Weights.CanQuantize).",
                nameof(k));
        if ((long)n * k > int.MaxValue) throw new ArgumentException($"n * k = {(long)n * k} exceeds 2^31 elements.", nameof(n));
        if (weights.Length != n * k) throw new ArgumentException($"weights holds {weights.Length} values; n * k = {n * k}.", nameof(weights));

        int groups = k / groupSize;
        var packed = new uint[n * (k / 8)];
        var scales = new Half[n * groups];
        for (int row = 0; row < n; row++)
        {
            for (int g = 0; g < groups; g++)
            {
                var group = weights.Slice(row * k + g * groupSize, groupSize);
                float max = 0f;
                foreach (float w in group)
                    if (MathF.Abs(w) > max) max = MathF.Abs(w);
                Half scale = (Half)Math.Min(max / 7f, 65504f);
                scales[row * groups + g] = scale;
                float s = (float)scale;
                for (int i = 0; i < groupSize; i++)
                {
                    int q = s == 0f || float.IsNaN(group[i]) ? 0 : (int)Math.Clamp(MathF.Round(group[i] / s, MidpointRounding.ToEven), -8f, 7f);
                    int kk = g * groupSize + i;
                    packed[row * (k / 8) + kk / 8] |= (uint)(q + 8) << (4 * (kk % 8));
                }
            }
        }
        return new Int4Matrix(packed, scales, n, k, groupSize);
    }
}
