// Where an int4 row's words sit on the device. Standard is the portable order every kernel reads; GroupInterleaved
// is the CPU's: a 64-byte load of it holds one word (8 weights) of each of sixteen different groups of 32, so the
// 32-bit lanes of an integer dot product each stay inside one group for all four of the group's words. The lanes
// then hold whole group sums, which take their scale with one multiply-add per 16 groups, with no permute of the
// scales and no float work per load. In the standard order a 64-byte load is four words of each of four groups, and
// every load needs its own convert, scale permute and multiply-add per token.
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>How the packed words of an <see cref="Int4Weights"/> row are ordered on the device.</summary>
public enum Int4Layout
{
    /// <summary>Word j of a row holds k = 8j .. 8j+7 (<see cref="Int4Matrix"/>'s order, kernels/MatMul/README.md); every int4 kernel reads it.</summary>
    Standard,

    /// <summary>
    /// Within each 512-weight chunk of a row (64 words, 16 groups of 32), the standard word 4g + i (word i of group g)
    /// stored at 16i + g: word i of all sixteen groups side by side. Only the Q8 kernels read it (the CPU backend's int4
    /// path, whose vector body it speeds up); needs K % 512 == 0.
    /// </summary>
    GroupInterleaved,
}

/// <summary>The layouts' word order and the choice of layout per device.</summary>
public static class Int4Layouts
{
    /// <summary>Weights per chunk of the interleaved layout: 16 groups of 32.</summary>
    public const int ChunkWeights = 512;

    /// <summary>
    /// The layout the int4 path of <paramref name="accelerator"/> runs fastest on for matrices of <paramref name="k"/>
    /// columns: <see cref="Int4Layout.GroupInterleaved"/> on the C# CPU backend where its vector body reads it (AVX-512BW or AVX-VNNI)
    /// and K is whole chunks, else <see cref="Int4Layout.Standard"/>.
    /// </summary>
    public static Int4Layout PreferredFor(Accelerator accelerator, int k)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return accelerator.Info.Backend == BackendKind.Cpu && k % ChunkWeights == 0 && Int4Q8CpuBody.ReadsInterleaved
            ? Int4Layout.GroupInterleaved
            : Int4Layout.Standard;
    }

    /// <summary>Whether a matrix of <paramref name="k"/> columns can be stored in <paramref name="layout"/>.</summary>
    public static bool Fits(Int4Layout layout, int k) => layout == Int4Layout.Standard || (layout == Int4Layout.GroupInterleaved && k % ChunkWeights == 0);

    /// <summary>The kernels' <c>interleaved</c> specialisation for <paramref name="layout"/>: 1 for group-interleaved words, else 0.</summary>
    internal static int Specialization(Int4Layout layout) => layout == Int4Layout.GroupInterleaved ? 1 : 0;

    /// <summary>A row-major [N][K/8] word array in <paramref name="layout"/> (a copy; the standard order is returned as it is).</summary>
    internal static uint[] Arrange(uint[] standard, int k, Int4Layout layout) => Reorder(standard, k, layout, toStored: true);

    /// <summary>The inverse of <see cref="Arrange"/>: stored words back in the standard order.</summary>
    internal static uint[] ToStandard(uint[] stored, int k, Int4Layout layout) => Reorder(stored, k, layout, toStored: false);

    private static uint[] Reorder(uint[] words, int k, Int4Layout layout, bool toStored)
    {
        if (layout == Int4Layout.Standard) return words;
        var reordered = new uint[words.Length];
        int perRow = k / 8;
        for (long row = 0; row < words.LongLength / perRow; row++)
            for (int j = 0; j < perRow; j++)
            {
                long standard = row * perRow + j, stored = row * perRow + Int4MatMul.StoredWord(j, 1);
                if (toStored) reordered[stored] = words[standard];
                else reordered[standard] = words[stored];
            }
        return reordered;
    }
}
