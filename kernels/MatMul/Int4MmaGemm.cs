// Prefill int4 GEMM on tensor cores (Marlin-like):
//     y[t, n] = sum_g s[n, g] * sum_{k in g} x[t, k] * (nibble(n, k) - 8)
// A group of 4 warps computes a tile of 64 tokens x 32 output features. Per slice of 128 k the group converts x
// [64][128] to fp16 into shared memory once (rows padded to 68 words, so the 8 rows x 4 words an A fragment reads fall
// in 32 different banks); each warp owns 32 tokens x 16 features, i.e. 2 x 2 Mma.M16N8K16 tiles per 16 k. The weights
// are the ordinary int4 layout (README.md), read straight into B fragments: lane (g, t) loads the 16-byte chunk of 32 k
// of feature row g of each n-tile (the quad's four lanes load the same chunk, one L1 line) and turns byte t of a word,
// nibbles k = 2t, 2t + 1, into a half2 (q - 8) with one lookup in a 256-word shared table. The nibbles' products with
// fp16 x are exact in the fp32 accumulators, so per 32-k group the partial tile is multiplied by the group's scale
// (one fp32 multiply-add per output, per group of 32; groups of 128 are four of them) and added to the running sum.
// Shared memory: 17 KiB of x + 1 KiB of table, below the 48 KiB every launch gets without opting in.
//
// Error against fp32: only x's rounding to fp16 (2^-11 relative per element) and fp32 sums; see Int4MmaGemmParity.
using ILGPU;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

/// <summary>The tensor-core int4 GEMM for prefill (tokens &gt; 1) on GPUs with <c>mma.sync</c> (sm_80 and later).</summary>
public static partial class Int4MmaGemm
{
    /// <summary>Tokens per group: 4 m-tiles of 16, two per warp.</summary>
    public const int TokenTile = 64;

    /// <summary>Output features per group: 4 n-tiles of 8, two per warp.</summary>
    public const int RowTile = 32;

    /// <summary>Lanes per group: 4 warps, 2 x 2 over the token and feature halves of the tile.</summary>
    public const int Lanes = 128;

    /// <summary>K per shared-memory slice of x (four 32-weight chunks).</summary>
    public const int SliceK = 128;

    /// <summary>Words (half2) per token row of the shared x slice: 64, plus 4 so the rows of a fragment hit distinct banks.</summary>
    public const int XStride = SliceK / 2 + 4;

    /// <summary>Words of the shared table from a weight byte (two nibbles) to its half2 (q - 8 for each).</summary>
    public const int TableWords = 256;

    /// <summary>GEMM over int4 weights: a 64-token x 32-feature tile per group of 128 lanes.</summary>
    [Kernel]
    static void Gemm(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, int tokens, [Specialize(32, 128)] SpecializedValue<int> groupSize)
    {
        ArrayView<uint> xs = SharedMemory.Allocate<uint>(TokenTile * XStride);
        ArrayView<uint> table = SharedMemory.Allocate<uint>(TableWords);
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int warp = Warp.WarpIdx;
        int g = Warp.LaneIdx >> 2;
        int t = Warp.LaneIdx & 3;
        int t0 = Grid.IdxY * TokenTile;
        int m0 = (warp & 1) * 32;
        int n0 = Grid.IdxX * RowTile + (warp >> 1) * 16;
        int chunks = k / 32;
        int scalesPerRow = k / groupSize;
        // B rows (feature g of each n-tile) and the features of this lane's D columns (2t, 2t + 1 of each n-tile), clamped
        // to the last row for a ragged N (their results are not stored).
        int rowA = KMath.Min(n0 + g, n - 1);
        int rowB = KMath.Min(n0 + 8 + g, n - 1);
        int fA0 = KMath.Min(n0 + 2 * t, n - 1);
        int fA1 = KMath.Min(n0 + 2 * t + 1, n - 1);
        int fB0 = KMath.Min(n0 + 8 + 2 * t, n - 1);
        int fB1 = KMath.Min(n0 + 8 + 2 * t + 1, n - 1);
        for (int e = lane; e < TableWords; e += lanes) table[e] = SmallHalf((e & 15) - 8) | (SmallHalf((e >> 4) - 8) << 16);
        var acc00 = new Float4(0f, 0f, 0f, 0f);
        var acc01 = new Float4(0f, 0f, 0f, 0f);
        var acc10 = new Float4(0f, 0f, 0f, 0f);
        var acc11 = new Float4(0f, 0f, 0f, 0f);
        for (int k0 = 0; k0 < k; k0 += SliceK)
        {
            Group.Barrier();
            for (int e = lane; e < TokenTile * SliceK / 2; e += lanes)
            {
                int tt = e / (SliceK / 2);
                int wk = e % (SliceK / 2);
                int token = t0 + tt;
                int kk = k0 + 2 * wk;
                uint v = 0u;
                if (token < tokens && kk < k) v = KMath.PackHalves(x[token * k + kk], x[token * k + kk + 1]);
                xs[tt * XStride + wk] = v;
            }
            Group.Barrier();
            int sliceChunks = KMath.Min(SliceK / 32, (k - k0) / 32);
            for (int c = 0; c < sliceChunks; c++)
            {
                int chunk = k0 / 32 + c;
                UInt4 wa = packed.LoadUInt4(rowA * chunks + chunk);
                UInt4 wb = packed.LoadUInt4(rowB * chunks + chunk);
                var p00 = new Float4(0f, 0f, 0f, 0f);
                var p01 = new Float4(0f, 0f, 0f, 0f);
                var p10 = new Float4(0f, 0f, 0f, 0f);
                var p11 = new Float4(0f, 0f, 0f, 0f);
                for (int s = 0; s < 2; s++)
                {
                    // Step s covers k = 32c + 16s .. +15: words 2s (k 0..7) and 2s + 1 (k 8..15) of the chunk.
                    uint loA = s == 0 ? wa.X : wa.Z;
                    uint hiA = s == 0 ? wa.Y : wa.W;
                    uint loB = s == 0 ? wb.X : wb.Z;
                    uint hiB = s == 0 ? wb.Y : wb.W;
                    uint b0A = table[(int)((loA >> (8 * t)) & 255u)];
                    uint b1A = table[(int)((hiA >> (8 * t)) & 255u)];
                    uint b0B = table[(int)((loB >> (8 * t)) & 255u)];
                    uint b1B = table[(int)((hiB >> (8 * t)) & 255u)];
                    int w0 = c * 16 + s * 8 + t;
                    UInt4 a0 = AFragment(xs, (m0 + g) * XStride + w0);
                    UInt4 a1 = AFragment(xs, (m0 + 16 + g) * XStride + w0);
                    p00 = Mma.M16N8K16(a0, b0A, b1A, p00);
                    p01 = Mma.M16N8K16(a0, b0B, b1B, p01);
                    p10 = Mma.M16N8K16(a1, b0A, b1A, p10);
                    p11 = Mma.M16N8K16(a1, b0B, b1B, p11);
                }
                float sA0 = Int4MatMul.ScaleAt(scales[(fA0 * scalesPerRow + chunk * 32 / groupSize) >> 1], fA0 * scalesPerRow + chunk * 32 / groupSize);
                float sA1 = Int4MatMul.ScaleAt(scales[(fA1 * scalesPerRow + chunk * 32 / groupSize) >> 1], fA1 * scalesPerRow + chunk * 32 / groupSize);
                float sB0 = Int4MatMul.ScaleAt(scales[(fB0 * scalesPerRow + chunk * 32 / groupSize) >> 1], fB0 * scalesPerRow + chunk * 32 / groupSize);
                float sB1 = Int4MatMul.ScaleAt(scales[(fB1 * scalesPerRow + chunk * 32 / groupSize) >> 1], fB1 * scalesPerRow + chunk * 32 / groupSize);
                acc00 = Scaled(acc00, p00, sA0, sA1);
                acc01 = Scaled(acc01, p01, sB0, sB1);
                acc10 = Scaled(acc10, p10, sA0, sA1);
                acc11 = Scaled(acc11, p11, sB0, sB1);
            }
        }
        int token0 = t0 + m0 + g;
        Store(y, n, tokens, token0, n0 + 2 * t, acc00);
        Store(y, n, tokens, token0, n0 + 8 + 2 * t, acc01);
        Store(y, n, tokens, token0 + 16, n0 + 2 * t, acc10);
        Store(y, n, tokens, token0 + 16, n0 + 8 + 2 * t, acc11);
    }

    /// <summary>A's fragment for rows g and g + 8 of an m-tile, from word <paramref name="at"/> (row g, k = 2t) of the shared slice.</summary>
    [KernelHelper]
    static UInt4 AFragment(ArrayView<uint> xs, int at)
    {
        return new UInt4(xs[at], xs[at + 8 * XStride], xs[at + 4], xs[at + 8 * XStride + 4]);
    }

    /// <summary><c>acc + partial · scale</c>, D's columns 2t (X, Z) and 2t + 1 (Y, W) by their own feature's scale.</summary>
    [KernelHelper]
    static Float4 Scaled(Float4 acc, Float4 partial, float scaleEven, float scaleOdd)
    {
        return new Float4(acc.X + partial.X * scaleEven, acc.Y + partial.Y * scaleOdd, acc.Z + partial.Z * scaleEven, acc.W + partial.W * scaleOdd);
    }

    /// <summary>Stores one D fragment: tokens <paramref name="token"/> (X, Y) and token + 8 (Z, W), features f and f + 1, inside the matrix.</summary>
    [KernelHelper]
    static void Store(ArrayView<float> y, int n, int tokens, int token, int feature, Float4 d)
    {
        if (token < tokens)
        {
            if (feature < n) y[token * n + feature] = d.X;
            if (feature + 1 < n) y[token * n + feature + 1] = d.Y;
        }
        if (token + 8 < tokens)
        {
            if (feature < n) y[(token + 8) * n + feature] = d.Z;
            if (feature + 1 < n) y[(token + 8) * n + feature + 1] = d.W;
        }
    }

    /// <summary>The fp16 bits of a small integer <paramref name="v"/> (|v| ≤ 8): from its float's exponent and leading mantissa bits, exact.</summary>
    [KernelHelper]
    static uint SmallHalf(int v)
    {
        uint bits = KMath.AsUInt((float)v);
        if (v == 0) return 0u;
        uint sign = (bits >> 16) & 0x8000u;
        uint exponent = ((bits >> 23) & 255u) - 112u;
        return sign | (exponent << 10) | ((bits >> 13) & 1023u);
    }
}
