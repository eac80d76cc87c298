// Matrix products over unquantised weights, fp32 or fp16:
//     y[t, n] = sum_k x[t, k] * W[n, k]
// fp32 weights are row-major [N][K]; fp16 weights are row-major with each row padded with zeros to a
// multiple of 8 halves and stored as uint pairs (low half = even k), so every row starts 16 bytes aligned
// and one 128-bit load brings 8 weights.
// Shape: one warp per output row, lanes over 16-byte chunks (coalesced, each weight byte read once per
// token tile), fp32 accumulation, a warp reduction per token. GroupId.Y picks a tile of tokenTile tokens (1 for
// GEMV, 4 for GEMM), so one weight load feeds up to 4 tokens; tokens past the end read the last token
// (valid memory) and are not written.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

/// <summary>fp32 and fp16 GEMV/GEMM kernels.</summary>
public static partial class DenseMatMul
{
    /// <summary>Rows (warps) per group; the group has 32 * RowsPerGroup lanes.</summary>
    public const int RowsPerGroup = 4;

    /// <summary>Tokens per group of the GEMM.</summary>
    public const int TokenTile = 4;

    /// <summary>fp32 weights; vectorWidth 4 needs K % 4 == 0 and 16-byte aligned views.</summary>
    [Kernel]
    static void F32(ArrayView<float> w, ArrayView<float> x, ArrayView<float> y, int n, int k, int tokens,
        [Specialize(1, 4)] SpecializedValue<int> tokenTile, [Specialize(1, 4)] SpecializedValue<int> vectorWidth)
    {
        int rowsPerGroup = Group.DimX / 32;
        int row = Grid.IdxX * rowsPerGroup + Warp.WarpIdx;
        int r = row < n ? row : n - 1;
        int t0 = Grid.IdxY * tokenTile;
        int ta = t0 < tokens ? t0 : tokens - 1;
        int tb = t0 + 1 < tokens ? t0 + 1 : tokens - 1;
        int tc = t0 + 2 < tokens ? t0 + 2 : tokens - 1;
        int td = t0 + 3 < tokens ? t0 + 3 : tokens - 1;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        if (vectorWidth == 4)
        {
            int vectors = k / 4;
            for (int c = Warp.LaneIdx; c < vectors; c += 32)
            {
                Float4 wv = w.LoadFloat4(r * vectors + c);
                a0 += Dot4(wv, x.LoadFloat4(ta * vectors + c));
                if (tokenTile == 4)
                {
                    a1 += Dot4(wv, x.LoadFloat4(tb * vectors + c));
                    a2 += Dot4(wv, x.LoadFloat4(tc * vectors + c));
                    a3 += Dot4(wv, x.LoadFloat4(td * vectors + c));
                }
            }
        }
        else
        {
            for (int i = Warp.LaneIdx; i < k; i += 32)
            {
                float wi = w[r * k + i];
                a0 += wi * x[ta * k + i];
                if (tokenTile == 4)
                {
                    a1 += wi * x[tb * k + i];
                    a2 += wi * x[tc * k + i];
                    a3 += wi * x[td * k + i];
                }
            }
        }
        // One warp per row: each token's sum is a warp reduction (shuffles on CUDA), and lane 0 writes the tile.
        float s0 = WarpExtensions.AllReduce<float, AddFloat>(a0);
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        if (tokenTile == 4)
        {
            s1 = WarpExtensions.AllReduce<float, AddFloat>(a1);
            s2 = WarpExtensions.AllReduce<float, AddFloat>(a2);
            s3 = WarpExtensions.AllReduce<float, AddFloat>(a3);
        }
        if (Warp.LaneIdx == 0 && row < n) StoreTokens(y, n, row, t0, tokens, tokenTile, s0, s1, s2, s3);
    }

    /// <summary>fp16 weights (rows padded to 8 halves, packed in uint pairs); xVector 1 needs K % 8 == 0 and a 16-byte aligned x.</summary>
    [Kernel]
    static void F16(ArrayView<uint> w, ArrayView<float> x, ArrayView<float> y, int n, int k, int tokens,
        [Specialize(1, 4)] SpecializedValue<int> tokenTile, [Specialize(0, 1)] SpecializedValue<int> xVector)
    {
        int rowsPerGroup = Group.DimX / 32;
        int row = Grid.IdxX * rowsPerGroup + Warp.WarpIdx;
        int r = row < n ? row : n - 1;
        int t0 = Grid.IdxY * tokenTile;
        int ta = t0 < tokens ? t0 : tokens - 1;
        int tb = t0 + 1 < tokens ? t0 + 1 : tokens - 1;
        int tc = t0 + 2 < tokens ? t0 + 2 : tokens - 1;
        int td = t0 + 3 < tokens ? t0 + 3 : tokens - 1;
        int chunks = (k + 7) / 8;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        for (int c = Warp.LaneIdx; c < chunks; c += 32)
        {
            UInt4 wv = w.LoadUInt4(r * chunks + c);
            if (xVector == 1)
            {
                a0 += HalfDot8(wv, x.LoadFloat4(ta * 2 * chunks + 2 * c), x.LoadFloat4(ta * 2 * chunks + 2 * c + 1));
                if (tokenTile == 4)
                {
                    a1 += HalfDot8(wv, x.LoadFloat4(tb * 2 * chunks + 2 * c), x.LoadFloat4(tb * 2 * chunks + 2 * c + 1));
                    a2 += HalfDot8(wv, x.LoadFloat4(tc * 2 * chunks + 2 * c), x.LoadFloat4(tc * 2 * chunks + 2 * c + 1));
                    a3 += HalfDot8(wv, x.LoadFloat4(td * 2 * chunks + 2 * c), x.LoadFloat4(td * 2 * chunks + 2 * c + 1));
                }
            }
            else
            {
                int kk = 8 * c;
                a0 += HalfDot8(wv, LoadGuarded(x, ta * k, kk, k), LoadGuarded(x, ta * k, kk + 4, k));
                if (tokenTile == 4)
                {
                    a1 += HalfDot8(wv, LoadGuarded(x, tb * k, kk, k), LoadGuarded(x, tb * k, kk + 4, k));
                    a2 += HalfDot8(wv, LoadGuarded(x, tc * k, kk, k), LoadGuarded(x, tc * k, kk + 4, k));
                    a3 += HalfDot8(wv, LoadGuarded(x, td * k, kk, k), LoadGuarded(x, td * k, kk + 4, k));
                }
            }
        }
        // One warp per row: each token's sum is a warp reduction (shuffles on CUDA), and lane 0 writes the tile.
        float s0 = WarpExtensions.AllReduce<float, AddFloat>(a0);
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        if (tokenTile == 4)
        {
            s1 = WarpExtensions.AllReduce<float, AddFloat>(a1);
            s2 = WarpExtensions.AllReduce<float, AddFloat>(a2);
            s3 = WarpExtensions.AllReduce<float, AddFloat>(a3);
        }
        if (Warp.LaneIdx == 0 && row < n) StoreTokens(y, n, row, t0, tokens, tokenTile, s0, s1, s2, s3);
    }

    /// <summary>Lanes (rows) per group of the CPU-shaped kernels.</summary>
    public const int RowLanes = 128;

    /// <summary>
    /// fp32 weights on CPU-like devices: one lane per row, tokens one after another, and an innermost loop over 16
    /// consecutive k whose iterations add into independent partials in shared memory, which PoCL's vectoriser
    /// turns into SIMD (a plain dot-product loop is an fp32 reduction it may not reorder). Ragged tails of K are
    /// added after the 16 partials.
    /// </summary>
    [Kernel]
    [CpuGroupBody(typeof(DenseCpuBody), nameof(DenseCpuBody.F32Rows))]
    static void F32Rows(ArrayView<float> w, ArrayView<float> x, ArrayView<float> y, int n, int k, int tokens,
        [Specialize(1, 4)] SpecializedValue<int> tokenTile)
    {
        ArrayView<float> part = SharedMemory.Allocate<float>(2048);
        int row = Grid.GlobalIndex.X;
        int r = row < n ? row : n - 1;
        int t0 = Grid.IdxY * tokenTile;
        int pb = Group.LinearIndex * 16;
        int full = k / 16 * 16;
        for (int tt = 0; tt < tokenTile; tt++)
        {
            int t = t0 + tt < tokens ? t0 + tt : tokens - 1;
            for (int j = 0; j < 16; j++) part[pb + j] = 0f;
            for (int kb = 0; kb < full; kb += 16)
            {
                for (int j = 0; j < 16; j++) part[pb + j] += w[r * k + kb + j] * x[t * k + kb + j];
            }
            float total = SumSixteen(part, pb);
            for (int kk = full; kk < k; kk++) total += w[r * k + kk] * x[t * k + kk];
            if (row < n && t0 + tt < tokens) y[(t0 + tt) * n + row] = total;
        }
    }

    /// <summary>
    /// fp16 weights on CPU-like devices, shaped like <c>F32Rows</c>: the inner loop takes the 8 words (16 halves) of a
    /// 16-k block, even halves into partials 0..7 and odd into 8..15 (KMath.HalfLow/HalfHigh, which every dialect widens exactly).
    /// </summary>
    [Kernel]
    [CpuGroupBody(typeof(DenseCpuBody), nameof(DenseCpuBody.F16Rows))]
    static void F16Rows(ArrayView<uint> w, ArrayView<float> x, ArrayView<float> y, int n, int k, int tokens,
        [Specialize(1, 4)] SpecializedValue<int> tokenTile)
    {
        ArrayView<float> part = SharedMemory.Allocate<float>(2048);
        int row = Grid.GlobalIndex.X;
        int r = row < n ? row : n - 1;
        int t0 = Grid.IdxY * tokenTile;
        int pb = Group.LinearIndex * 16;
        int stride = (k + 7) / 8 * 4;
        int full = k / 16 * 16;
        for (int tt = 0; tt < tokenTile; tt++)
        {
            int t = t0 + tt < tokens ? t0 + tt : tokens - 1;
            for (int j = 0; j < 16; j++) part[pb + j] = 0f;
            for (int kb = 0; kb < full; kb += 16)
            {
                for (int j = 0; j < 8; j++)
                {
                    uint pair = w[r * stride + kb / 2 + j];
                    part[pb + j] += KMath.HalfLow(pair) * x[t * k + kb + 2 * j];
                    part[pb + 8 + j] += KMath.HalfHigh(pair) * x[t * k + kb + 2 * j + 1];
                }
            }
            float total = SumSixteen(part, pb);
            for (int kk = full; kk < k; kk++)
            {
                uint pair = w[r * stride + kk / 2];
                total += ((kk & 1) == 0 ? KMath.HalfLow(pair) : KMath.HalfHigh(pair)) * x[t * k + kk];
            }
            if (row < n && t0 + tt < tokens) y[(t0 + tt) * n + row] = total;
        }
    }

    /// <summary>Writes a tile of up to four tokens' results for one row (tokens past the end are not written).</summary>
    [KernelHelper]
    internal static void StoreTokens(ArrayView<float> y, int n, int row, int t0, int tokens, int tileTokens, float s0, float s1, float s2, float s3)
    {
        if (t0 < tokens) y[t0 * n + row] = s0;
        if (tileTokens > 1 && t0 + 1 < tokens) y[(t0 + 1) * n + row] = s1;
        if (tileTokens > 2 && t0 + 2 < tokens) y[(t0 + 2) * n + row] = s2;
        if (tileTokens > 3 && t0 + 3 < tokens) y[(t0 + 3) * n + row] = s3;
    }

    /// <summary>The 16 partials of one lane, in order.</summary>
    [KernelHelper]
    static float SumSixteen(ArrayView<float> part, int at)
    {
        float total = 0f;
        for (int j = 0; j < 16; j++) total += part[at + j];
        return total;
    }

    [KernelHelper]
    static float Dot4(Float4 a, Float4 b)
    {
        return a.X * b.X + a.Y * b.Y + a.Z * b.Z + a.W * b.W;
    }

    /// <summary>Eight fp16 weights (a 128-bit chunk) times x[k..k+7] given as two vectors.</summary>
    [KernelHelper]
    static float HalfDot8(UInt4 w, Float4 lo, Float4 hi)
    {
        return KMath.HalfLow(w.X) * lo.X + KMath.HalfHigh(w.X) * lo.Y + KMath.HalfLow(w.Y) * lo.Z + KMath.HalfHigh(w.Y) * lo.W
            + KMath.HalfLow(w.Z) * hi.X + KMath.HalfHigh(w.Z) * hi.Y + KMath.HalfLow(w.W) * hi.Z + KMath.HalfHigh(w.W) * hi.W;
    }

    /// <summary>x[rowStart + kk .. +3] with zeros at and past <paramref name="k"/> (the padded tail of a ragged row).</summary>
    [KernelHelper]
    static Float4 LoadGuarded(ArrayView<float> x, int rowStart, int kk, int k)
    {
        float v0 = 0f;
        float v1 = 0f;
        float v2 = 0f;
        float v3 = 0f;
        if (kk < k) v0 = x[rowStart + kk];
        if (kk + 1 < k) v1 = x[rowStart + kk + 1];
        if (kk + 2 < k) v2 = x[rowStart + kk + 2];
        if (kk + 3 < k) v3 = x[rowStart + kk + 3];
        return new Float4(v0, v1, v2, v3);
    }
}
