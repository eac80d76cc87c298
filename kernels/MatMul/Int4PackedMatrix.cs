namespace Mistral.Gpu.Kernels;

/// <summary>
/// Builds an <see cref="Int4Matrix"/> from data already in the device layout, for callers that make
/// int4 weights without fp32 originals: a benchmark drawing random packed words for a 7B-shaped model
/// (whose fp32 weights would be 28 GB), or a loader of pre-quantised files.
/// </summary>
public static class Int4PackedMatrix
{
    /// <summary>
    /// Wraps <paramref name="packed"/> ([N][K/8] words, nibble i of word j = q + 8 for k = 8j + i) and
    /// <paramref name="scales"/> ([N][K/groupSize]) without copying; upload with <see cref="Int4Weights.Upload"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape cannot be stored as int4 (see <see cref="Int4Weights.CanQuantize"/>) or an array has the wrong length.</exception>
    public static Int4Matrix Create(uint[] packed, Half[] scales, int n, int k, int groupSize = 32)
    {
        ArgumentNullException.ThrowIfNull(packed);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (!Int4Weights.CanQuantize(k, groupSize))
            throw new ArgumentException($"k = {k} with group size {groupSize} cannot be stored as int4: k must be a multiple of 8 and of the group size (32 or 128).", nameof(k));
        if (packed.LongLength != (long)n * (k / 8))
            throw new ArgumentException($"packed holds {packed.LongLength} words; [N][K/8] = {(long)n * (k / 8)}.", nameof(packed));
        if (scales.LongLength != (long)n * (k / groupSize))
            throw new ArgumentException($"scales holds {scales.LongLength} values; [N][K/groupSize] = {(long)n * (k / groupSize)}.", nameof(scales));
        return new Int4Matrix(packed, scales, n, k, groupSize);
    }
}
