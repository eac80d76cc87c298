// Matrix products over group-wise symmetric int4 weights with fp16 scales:
//     y[t, n] = sum_k x[t, k] * W[n, k],   W[n, k] = (nibble(n, k) - 8) * s[n, k / groupSize]
// Layout (README.md): packed uint words row-major [N][K/8], word j of row n holds k = 8j..8j+7, nibble i
// (bits 4i..4i+3) = q + 8 for k = 8j + i; scales are fp16 [N][K/groupSize] (stored as uint pairs, low half first).
//
// Two shapes of the same arithmetic, picked by the facade from the device:
//  * GPU ("Warp" kernels): one warp per output row; lane l loads 16-byte chunks l, l+32, ... of the row
//    with one 128-bit load each (32 weights), so a warp instruction reads 512 consecutive bytes (fully
//    coalesced) and every weight byte is read once per launch; dequantised in registers, fp32 partial
//    per chunk times its scale, a warp AllReduce at the end. The GEMM keeps a tile of 8 tokens' x in shared
//    memory per 1024-wide K slice, so each dequantised chunk feeds 8 tokens; a warp reduction per token.
//  * CPU-like devices (the C# CPU backend, PoCL): one lane per output row walking its row with 32-bit word
//    loads and no warp collectives, since there lanes are a loop on one core and warp collectives are
//    emulated with barriers; the token tile of 4 reuses each decoded word four times.
// On CUDA the decode GEMV is Int4GemvDp4a.cs instead (x quantised to int8 in shared memory, dp4a per 4 weights).
// Every chunk is summed in the same order in all kernels: per 32-bit word the 8 products in k order, the
// four words of a chunk added in order, then times the chunk's scale.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

/// <summary>Int4 GEMV/GEMM and dequantisation kernels.</summary>
public static partial class Int4MatMul
{
    /// <summary>Rows (warps) per group of the GPU kernels (the GEMM's shared partials assume 4 warps, 128 lanes).</summary>
    public const int WarpRowsPerGroup = 4;

    /// <summary>Tokens per group of the GPU GEMM.</summary>
    public const int GemmTokenTile = 8;

    /// <summary>K elements per shared-memory slice of the GPU GEMM (32 lanes x 32 weights).</summary>
    public const int GemmSlice = 1024;

    /// <summary>Lanes (rows) per group of the CPU-shaped kernels.</summary>
    public const int RowLanes = 64;

    /// <summary>Lanes (rows) per group of the vectorised CPU kernel (its shared partials hold 4 tokens x 128 lanes x 16).</summary>
    public const int RowVectorLanes = 128;

    /// <summary>Tokens per group of the CPU-shaped GEMM.</summary>
    public const int RowTokenTile = 4;

    /// <summary>
    /// GEMV, one warp per row, 128-bit weight loads. With <paramref name="swiGlu"/> = 1 the weights are [2H, K] (gate rows,
    /// then up rows; <paramref name="n"/> = 2H) and the warp of output i computes gate row i and up row H + i together
    /// (two weight loads in flight) and writes y[i] = silu(gate) · up: the SwiGLU epilogue, one launch instead of two.
    /// </summary>
    [Kernel]
    static void GemvWarp(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(0, 1)] SpecializedValue<int> swiGlu)
    {
        int outputs = swiGlu == 1 ? n / 2 : n;
        int rowsPerGroup = Group.DimX / 32;
        int row = Grid.IdxX * rowsPerGroup + Warp.WarpIdx;
        int r = row < outputs ? row : outputs - 1;
        int up = r + outputs;
        int chunks = k / 32;
        int scalesPerRow = k / groupSize;
        float acc = 0f;
        float upAcc = 0f;
        for (int c = Warp.LaneIdx; c < chunks; c += 32)
        {
            Float4 x0 = x.LoadFloat4(8 * c);
            Float4 x1 = x.LoadFloat4(8 * c + 1);
            Float4 x2 = x.LoadFloat4(8 * c + 2);
            Float4 x3 = x.LoadFloat4(8 * c + 3);
            Float4 x4 = x.LoadFloat4(8 * c + 4);
            Float4 x5 = x.LoadFloat4(8 * c + 5);
            Float4 x6 = x.LoadFloat4(8 * c + 6);
            Float4 x7 = x.LoadFloat4(8 * c + 7);
            acc += ChunkDot(packed, scales, r, c, chunks, scalesPerRow, groupSize, x0, x1, x2, x3, x4, x5, x6, x7);
            if (swiGlu == 1) upAcc += ChunkDot(packed, scales, up, c, chunks, scalesPerRow, groupSize, x0, x1, x2, x3, x4, x5, x6, x7);
        }
        float total = WarpExtensions.AllReduce<float, AddFloat>(acc);
        float upTotal = 0f;
        if (swiGlu == 1) upTotal = WarpExtensions.AllReduce<float, AddFloat>(upAcc);
        if (Warp.LaneIdx == 0 && row < outputs) y[row] = swiGlu == 1 ? SwiGluKernels.Silu(total) * upTotal : total;
    }

    /// <summary>Row <paramref name="row"/>'s 32-weight chunk <paramref name="c"/> (one 128-bit load) against its 32 x values, times its scale.</summary>
    [KernelHelper]
    static float ChunkDot(ArrayView<uint> packed, ArrayView<uint> scales, int row, int c, int chunks, int scalesPerRow, int groupSize,
        Float4 x0, Float4 x1, Float4 x2, Float4 x3, Float4 x4, Float4 x5, Float4 x6, Float4 x7)
    {
        UInt4 w = packed.LoadUInt4(row * chunks + c);
        int si = row * scalesPerRow + c * 32 / groupSize;
        float p = WordDot(w.X, x0, x1) + WordDot(w.Y, x2, x3) + WordDot(w.Z, x4, x5) + WordDot(w.W, x6, x7);
        return p * ScaleAt(scales[si >> 1], si);
    }

    /// <summary>GEMM, one warp per row and 8 tokens per group, x tiles in shared memory.</summary>
    [Kernel]
    static void GemmWarp(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, int tokens, [Specialize(32, 128)] SpecializedValue<int> groupSize)
    {
        ArrayView<float> xs = SharedMemory.Allocate<float>(8192);
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int rowsPerGroup = lanes / 32;
        int row = Grid.IdxX * rowsPerGroup + Warp.WarpIdx;
        int r = row < n ? row : n - 1;
        int t0 = Grid.IdxY * 8;
        int chunks = k / 32;
        int scalesPerRow = k / groupSize;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        for (int sliceStart = 0; sliceStart < k; sliceStart += 1024)
        {
            Group.Barrier();
            for (int e = lane; e < 8192; e += lanes)
            {
                int t = t0 + (e >> 10);
                int kk = sliceStart + (e & 1023);
                float v = 0f;
                if (t < tokens && kk < k) v = x[t * k + kk];
                xs[e] = v;
            }
            Group.Barrier();
            int c = sliceStart / 32 + Warp.LaneIdx;
            if (c < chunks)
            {
                UInt4 w = packed.LoadUInt4(r * chunks + c);
                int si = r * scalesPerRow + c * 32 / groupSize;
                float s = ScaleAt(scales[si >> 1], si);
                int xb = Warp.LaneIdx * 32;
                // Word by word, token by token, into per-chunk partials (the same sum order as the GEMV). Written as
                // a loop over the four words: the fully unrolled 8 x 32 form is miscompiled by PoCL 3.1 (LLVM 15) at -O2.
                float p0 = 0f;
                float p1 = 0f;
                float p2 = 0f;
                float p3 = 0f;
                float p4 = 0f;
                float p5 = 0f;
                float p6 = 0f;
                float p7 = 0f;
                for (int q = 0; q < 4; q++)
                {
                    uint wq = q == 0 ? w.X : q == 1 ? w.Y : q == 2 ? w.Z : w.W;
                    int at = xb + 8 * q;
                    p0 += WordDotShared(wq, xs, at);
                    p1 += WordDotShared(wq, xs, at + 1024);
                    p2 += WordDotShared(wq, xs, at + 2048);
                    p3 += WordDotShared(wq, xs, at + 3072);
                    p4 += WordDotShared(wq, xs, at + 4096);
                    p5 += WordDotShared(wq, xs, at + 5120);
                    p6 += WordDotShared(wq, xs, at + 6144);
                    p7 += WordDotShared(wq, xs, at + 7168);
                }
                a0 += p0 * s;
                a1 += p1 * s;
                a2 += p2 * s;
                a3 += p3 * s;
                a4 += p4 * s;
                a5 += p5 * s;
                a6 += p6 * s;
                a7 += p7 * s;
            }
        }
        // One warp per row: each token's sum is a warp reduction, and lane 0 writes the tile of eight.
        float s0 = WarpExtensions.AllReduce<float, AddFloat>(a0);
        float s1 = WarpExtensions.AllReduce<float, AddFloat>(a1);
        float s2 = WarpExtensions.AllReduce<float, AddFloat>(a2);
        float s3 = WarpExtensions.AllReduce<float, AddFloat>(a3);
        float s4 = WarpExtensions.AllReduce<float, AddFloat>(a4);
        float s5 = WarpExtensions.AllReduce<float, AddFloat>(a5);
        float s6 = WarpExtensions.AllReduce<float, AddFloat>(a6);
        float s7 = WarpExtensions.AllReduce<float, AddFloat>(a7);
        if (Warp.LaneIdx == 0 && row < n)
        {
            DenseMatMul.StoreTokens(y, n, row, t0, tokens, 4, s0, s1, s2, s3);
            DenseMatMul.StoreTokens(y, n, row, t0 + 4, tokens, 4, s4, s5, s6, s7);
        }
    }

    /// <summary>GEMV (tokenTile 1) and GEMM (tokenTile 4) for CPU-like devices: one lane per row, 32-bit word loads, no collectives.</summary>
    [Kernel]
    static void Rows(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, int tokens, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(1, 4)] SpecializedValue<int> tokenTile)
    {
        int row = Grid.GlobalIndex.X;
        if (row >= n) return;
        int t0 = Grid.IdxY * tokenTile;
        int tb = t0 + 1 < tokens ? t0 + 1 : tokens - 1;
        int tc = t0 + 2 < tokens ? t0 + 2 : tokens - 1;
        int td = t0 + 3 < tokens ? t0 + 3 : tokens - 1;
        int words = k / 8;
        int rowWords = row * words;
        int scalesPerRow = k / groupSize;
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        for (int c = 0; c < words / 4; c++)
        {
            int si = row * scalesPerRow + c * 32 / groupSize;
            float s = ScaleAt(scales[si >> 1], si);
            uint w0 = packed[rowWords + 4 * c];
            uint w1 = packed[rowWords + 4 * c + 1];
            uint w2 = packed[rowWords + 4 * c + 2];
            uint w3 = packed[rowWords + 4 * c + 3];
            int xk = 32 * c;
            a0 += (WordDotAt(w0, x, t0 * k + xk) + WordDotAt(w1, x, t0 * k + xk + 8) + WordDotAt(w2, x, t0 * k + xk + 16) + WordDotAt(w3, x, t0 * k + xk + 24)) * s;
            if (tokenTile == 4)
            {
                a1 += (WordDotAt(w0, x, tb * k + xk) + WordDotAt(w1, x, tb * k + xk + 8) + WordDotAt(w2, x, tb * k + xk + 16) + WordDotAt(w3, x, tb * k + xk + 24)) * s;
                a2 += (WordDotAt(w0, x, tc * k + xk) + WordDotAt(w1, x, tc * k + xk + 8) + WordDotAt(w2, x, tc * k + xk + 16) + WordDotAt(w3, x, tc * k + xk + 24)) * s;
                a3 += (WordDotAt(w0, x, td * k + xk) + WordDotAt(w1, x, td * k + xk + 8) + WordDotAt(w2, x, td * k + xk + 16) + WordDotAt(w3, x, td * k + xk + 24)) * s;
            }
        }
        DenseMatMul.StoreTokens(y, n, row, t0, tokens, tokenTile, a0, a1, a2, a3);
    }

    /// <summary>Largest K the vectorised CPU kernel takes (its shared x tile holds 4 tokens of K floats).</summary>
    public const int RowsVectorMaxK = 16384;

    /// <summary>
    /// GEMV (tokenTile 1) and GEMM (tokenTile 4) for OpenCL CPU devices, shaped for the CPU compiler's loop vectoriser:
    /// one lane per row, and an innermost loop over the 16 words of a 128-weight block whose iterations are independent
    /// (each keeps its own partial sum in shared memory), so PoCL turns it into 16-wide SIMD without reassociating a
    /// reduction. x is permuted into shared memory once per group so the 16 words read 16 consecutive x values for each
    /// nibble position, pre-scaled by 16^-i so a nibble is masked in place (w &amp; 0xF0...) and converted without a shift;
    /// the "- 8" of every nibble is folded into one product with the word's x sum. Needs K % 128 == 0 and K &lt;= 16384.
    /// </summary>
    [Kernel]
    static void RowsVector(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, int tokens, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(1, 4)] SpecializedValue<int> tokenTile)
    {
        ArrayView<float> xs = SharedMemory.Allocate<float>(65536);
        ArrayView<float> xsum = SharedMemory.Allocate<float>(8192);
        ArrayView<float> part = SharedMemory.Allocate<float>(8192);
        int lane = Group.LinearIndex;
        int lanes = Group.DimX;
        int t0 = Grid.IdxY * tokenTile;
        int words = k / 8;

        // xs[tt][128b + 16i + j] = x[t][128b + 8j + i] * 16^-i ; xsum[tt][16b + j] = sum_i x[t][128b + 8j + i]
        for (int tt = 0; tt < tokenTile; tt++)
        {
            int t = t0 + tt < tokens ? t0 + tt : tokens - 1;
            for (int kk = lane; kk < k; kk += lanes)
            {
                int within = kk & 127;
                int i = within >> 4;
                int j = within & 15;
                xs[tt * 16384 + kk] = x[t * k + (kk - within) + 8 * j + i] * KMath.AsFloat((uint)(127 - 4 * i) << 23);
            }
            for (int jj = lane; jj < words; jj += lanes)
            {
                int at = t * k + 8 * jj;
                xsum[tt * 2048 + jj] = x[at] + x[at + 1] + x[at + 2] + x[at + 3] + x[at + 4] + x[at + 5] + x[at + 6] + x[at + 7];
            }
        }
        Group.Barrier();

        int row = Grid.GlobalIndex.X;
        int r = row < n ? row : n - 1;
        int scalesPerRow = k / groupSize;
        int pb = lane * 16;
        for (int j = 0; j < 16; j++)
        {
            part[pb + j] = 0f;
            part[2048 + pb + j] = 0f;
            part[4096 + pb + j] = 0f;
            part[6144 + pb + j] = 0f;
        }
        for (int blk = 0; blk < k / 128; blk++)
        {
            int wb = r * words + blk * 16;
            int xb = blk * 128;
            int sb = blk * 16;
            // The block's scales (4 for groups of 32, 1 for 128) as scalars, picked per word by a select: cheaper
            // for the vectoriser than a gather and a half decode per word.
            int si = r * scalesPerRow + blk * 128 / groupSize;
            float s0 = ScaleAt(scales[si >> 1], si);
            float s1 = s0;
            float s2 = s0;
            float s3 = s0;
            if (groupSize == 32)
            {
                s1 = ScaleAt(scales[(si + 1) >> 1], si + 1);
                s2 = ScaleAt(scales[(si + 2) >> 1], si + 2);
                s3 = ScaleAt(scales[(si + 3) >> 1], si + 3);
            }
            // One token per pass over the block's 16 words (one store stream per inner loop, which the vectoriser
            // needs); the block's 64 weight bytes come from L1 after the first token.
            for (int tt = 0; tt < tokenTile; tt++)
            {
                for (int j = 0; j < 16; j++)
                {
                    uint w = packed[wb + j];
                    int q = j >> 2;
                    float s = groupSize == 128 ? s0 : (q < 2 ? (q == 0 ? s0 : s1) : (q == 2 ? s2 : s3));
                    float n0 = (float)(w & 15u);
                    float n1 = (float)(w & 240u);
                    float n2 = (float)(w & 3840u);
                    float n3 = (float)(w & 61440u);
                    float n4 = (float)(w & 983040u);
                    float n5 = (float)(w & 15728640u);
                    float n6 = (float)(w & 251658240u);
                    float n7 = (float)(w & 4026531840u);
                    part[tt * 2048 + pb + j] += BlockDot(n0, n1, n2, n3, n4, n5, n6, n7, xs, tt * 16384 + xb + j, xsum[tt * 2048 + sb + j]) * s;
                }
            }
        }
        if (row < n)
        {
            y[t0 * n + row] = SumPartials(part, pb);
            if (tokenTile == 4)
            {
                if (t0 + 1 < tokens) y[(t0 + 1) * n + row] = SumPartials(part, 2048 + pb);
                if (t0 + 2 < tokens) y[(t0 + 2) * n + row] = SumPartials(part, 4096 + pb);
                if (t0 + 3 < tokens) y[(t0 + 3) * n + row] = SumPartials(part, 6144 + pb);
            }
        }
    }

    /// <summary>sum_i (n_i 16^i)(x_i 16^-i) - 8 sum_i x_i: the 8 products of one word with its permuted, pre-scaled x.</summary>
    [KernelHelper]
    static float BlockDot(float n0, float n1, float n2, float n3, float n4, float n5, float n6, float n7, ArrayView<float> xs, int at, float xSum)
    {
        return n0 * xs[at] + n1 * xs[at + 16] + n2 * xs[at + 32] + n3 * xs[at + 48]
            + n4 * xs[at + 64] + n5 * xs[at + 80] + n6 * xs[at + 96] + n7 * xs[at + 112] - 8f * xSum;
    }

    /// <summary>The 16 per-word partials of one lane, in order.</summary>
    [KernelHelper]
    static float SumPartials(ArrayView<float> part, int at)
    {
        float total = 0f;
        for (int j = 0; j < 16; j++) total += part[at + j];
        return total;
    }

    /// <summary>Dequantises the whole matrix (its words standard, or group-interleaved with <paramref name="interleaved"/> 1) to fp32 [N][K] (for tests and debugging).</summary>
    [Kernel]
    static void Dequantize(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> output,
        int n, int k, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(0, 1)] SpecializedValue<int> interleaved)
    {
        int e = Grid.GlobalIndex.X;
        if (e >= n * k) return;
        int row = e / k;
        int kk = e - row * k;
        uint word = packed[row * (k / 8) + StoredWord(kk / 8, interleaved)];
        int si = row * (k / groupSize) + kk / groupSize;
        output[e] = Nibble(word, kk & 7) * ScaleAt(scales[si >> 1], si);
    }

    /// <summary>The signed value q = nibble - 8 of nibble <paramref name="i"/> of <paramref name="word"/>.</summary>
    [KernelHelper]
    static float Nibble(uint word, int i)
    {
        return (float)((int)((word >> (4 * i)) & 15u) - 8);
    }

    /// <summary>The fp16 scale number <paramref name="index"/> from its 32-bit word (low half for even indices).</summary>
    [KernelHelper]
    internal static float ScaleAt(uint word, int index)
    {
        return (index & 1) == 0 ? KMath.HalfLow(word) : KMath.HalfHigh(word);
    }

    /// <summary>The 8 products of one packed word with x[k..k+7] given as two vectors, summed in k order.</summary>
    [KernelHelper]
    static float WordDot(uint w, Float4 lo, Float4 hi)
    {
        return Nibble(w, 0) * lo.X + Nibble(w, 1) * lo.Y + Nibble(w, 2) * lo.Z + Nibble(w, 3) * lo.W
            + Nibble(w, 4) * hi.X + Nibble(w, 5) * hi.Y + Nibble(w, 6) * hi.Z + Nibble(w, 7) * hi.W;
    }

    /// <summary>The 8 products of one packed word with x[at..at+7] read from global memory.</summary>
    [KernelHelper]
    static float WordDotAt(uint w, ArrayView<float> x, int at)
    {
        return Nibble(w, 0) * x[at] + Nibble(w, 1) * x[at + 1] + Nibble(w, 2) * x[at + 2] + Nibble(w, 3) * x[at + 3]
            + Nibble(w, 4) * x[at + 4] + Nibble(w, 5) * x[at + 5] + Nibble(w, 6) * x[at + 6] + Nibble(w, 7) * x[at + 7];
    }

    /// <summary>The 8 products of one packed word with xs[at..at+7] in shared memory.</summary>
    [KernelHelper]
    static float WordDotShared(uint w, ArrayView<float> xs, int at)
    {
        return Nibble(w, 0) * xs[at] + Nibble(w, 1) * xs[at + 1] + Nibble(w, 2) * xs[at + 2] + Nibble(w, 3) * xs[at + 3]
            + Nibble(w, 4) * xs[at + 4] + Nibble(w, 5) * xs[at + 5] + Nibble(w, 6) * xs[at + 6] + Nibble(w, 7) * xs[at + 7];
    }
}
