// One Mma.M16N8K16 per warp, the fragments loaded and stored exactly as PTX documents them for mma.m16n8k16 (g = lane / 4,
// t = lane % 4): the parity table's check that each backend's form of the primitive (tensor cores, or a fallback's
// exchange of fragments) computes D = A B + C of whole matrices, so no fallback can disagree with the hardware's layout.
// Matrices, per tile: A [16][16] halves row-major (two per word, the even column low), B [8][16] halves column-major
// (each column's 16 k values in order, two per word), C and D [16][8] floats row-major.
using ILGPU;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

/// <summary>The tensor-core tile on its own, for the parity table.</summary>
public static partial class MmaProbe
{
    /// <summary>Words of one tile's A (16 x 16 halves).</summary>
    public const int AWords = Mma.M * Mma.K / 2;

    /// <summary>Words of one tile's B (16 x 8 halves).</summary>
    public const int BWords = Mma.K * Mma.N / 2;

    /// <summary>Floats of one tile's C and D (16 x 8).</summary>
    public const int CFloats = Mma.M * Mma.N;

    /// <summary>Warps (tiles) per group: more than one, so each warp's exchange is seen to stay inside its warp.</summary>
    public const int WarpsPerGroup = 2;

    /// <summary><c>d = a · b + c</c> for tile <c>group * 2 + warp</c>.</summary>
    [Kernel]
    static void Tile(ArrayView<uint> a, ArrayView<uint> b, ArrayView<float> c, ArrayView<float> d)
    {
        int tile = Grid.IdxX * (Group.DimX / 32) + Warp.WarpIdx;
        int g = Warp.LaneIdx >> 2;
        int t = Warp.LaneIdx & 3;
        int at = tile * AWords;
        int bt = tile * BWords + g * 8;
        int ct = tile * CFloats;
        var fa = new UInt4(a[at + g * 8 + t], a[at + (g + 8) * 8 + t], a[at + g * 8 + 4 + t], a[at + (g + 8) * 8 + 4 + t]);
        uint b0 = b[bt + t];
        uint b1 = b[bt + 4 + t];
        var fc = new Float4(c[ct + g * 8 + 2 * t], c[ct + g * 8 + 2 * t + 1], c[ct + (g + 8) * 8 + 2 * t], c[ct + (g + 8) * 8 + 2 * t + 1]);
        Float4 fd = Mma.M16N8K16(fa, b0, b1, fc);
        d[ct + g * 8 + 2 * t] = fd.X;
        d[ct + g * 8 + 2 * t + 1] = fd.Y;
        d[ct + (g + 8) * 8 + 2 * t] = fd.Z;
        d[ct + (g + 8) * 8 + 2 * t + 1] = fd.W;
    }
}
