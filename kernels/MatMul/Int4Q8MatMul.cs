// Int4 weights against int8 activations ("Q8", as llama.cpp's Q4 x Q8 dot products):
//     x[t, k] ~ dx[t, g] * q[t, k],   q in -127..127,   dx[t, g] = max |x[t, 32g .. 32g+31]| / 127
//     y[t, n] = sum_g dx[t, g] * s[n, g'] * (sum_{k in g} (nibble(n, k) - 8) * q[t, k])
// The inner sums are exact integer dot products (KMath.Dot4: CUDA's dp4a), so a core or an SM does four
// multiply-adds per instruction instead of converting every nibble to float; only one float product per
// 32 weights remains. The price is the rounding of x to 8 bits per group of 32 (relative error <= 1/254 of
// the group's largest |x|), the trade llama.cpp makes on CPUs.
//
// Layout of the quantised activations (QuantizeQ8 writes it, Q8Rows and its CPU group body read it): per
// token, per 128-weight block b, 32 words: words 0..15 hold, for weight word j = 16b .. 16b+15, the bytes
// q[8j], q[8j+2], q[8j+4], q[8j+6] (the k of word j's low nibbles, w & 0x0F0F0F0F); words 16..31 hold
// q[8j+1], q[8j+3], q[8j+5], q[8j+7] (its high nibbles). So 64 weight bytes and 64 activation bytes line up
// byte for byte, which is what a 512-bit vpmaddubsw needs. Needs K % 128 == 0. With the weights in
// Int4Layout.GroupInterleaved the activations follow the weights' stored order: the bytes of standard word j go
// where the rule above puts stored word StoredWord(j, 1), so loads of both still line up byte for byte.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels;

public static partial class Int4MatMul
{
    /// <summary>Lanes (rows) per group of the Q8 kernel.</summary>
    public const int Q8RowLanes = 64;

    /// <summary>
    /// Tokens per group of the Q8 GEMM for prompts longer than <see cref="RowTokenTile"/>: each group reads its rows'
    /// weights from DRAM once for this many tokens. 128 prefilled 512 tokens 1.15x faster than 64 on a 2-core Zen 4
    /// (two alternations, 2026-12-03); 256 measured the same as 128 and leaves fewer groups to share out.
    /// </summary>
    public const int Q8LongTokenTile = 128;

    /// <summary>Lanes per group of <see cref="QuantizeQ8"/>.</summary>
    public const int Q8QuantizeLanes = 64;

    /// <summary>
    /// Where standard word <paramref name="j"/> of a row sits in the row's stored words (<paramref name="interleaved"/> 1:
    /// <see cref="Int4Layout.GroupInterleaved"/>, word i of group g of each 64-word chunk at 16i + g; 0: standard).
    /// The kernels, the quantiser's activation order and the host repacking (<see cref="Int4Layouts"/>) share it.
    /// </summary>
    [KernelHelper]
    internal static int StoredWord(int j, int interleaved)
    {
        return interleaved == 0 ? j : (j & ~63) | ((j & 3) << 4) | ((j >> 2) & 15);
    }

    /// <summary>
    /// The word of a token's quantised activations that holds the low-nibble partners of stored weight word
    /// <paramref name="p"/> (block p / 16, word p % 16); the high-nibble partners are 16 words on.
    /// </summary>
    [KernelHelper]
    internal static int ActivationWord(int p)
    {
        return 32 * (p / 16) + p % 16;
    }

    /// <summary>x (fp32 [tokens, K]) to int8 groups of 32, ordered for weights in the standard or (<paramref name="interleaved"/> 1) the group-interleaved layout: one lane per group of 32 values of one token.</summary>
    [Kernel]
    [CpuGroupBody(typeof(Int4Q8CpuBody), nameof(Int4Q8CpuBody.QuantizeQ8))]
    static void QuantizeQ8([Extent("tokens * k")] ArrayView<float> x, [Extent("tokens * k / 4")] ArrayView<uint> xq,
        [Extent("tokens * k / 32")] ArrayView<float> xScale, [Extent("tokens * k / 32")] ArrayView<int> xSum, int k, int tokens,
        [Specialize(0, 1)] SpecializedValue<int> interleaved)
    {
        int task = Grid.GlobalIndex.X;
        int groups = k / 32;
        if (task >= tokens * groups) return;
        int t = task / groups;
        int g = task - t * groups;
        int at = t * k + 32 * g;
        float amax = 0f;
        for (int i = 0; i < 32; i++) amax = KMath.Max(amax, XMath.Abs(x[at + i]));
        float scale = amax / 127f;
        float inverse = amax > 0f ? 127f / amax : 0f;
        int sum = 0;
        // Word j of group g pairs with its stored weight word; high-nibble bytes 16 words on.
        for (int j = 0; j < 4; j++)
        {
            uint lo = 0u;
            uint hi = 0u;
            for (int i = 0; i < 4; i++)
            {
                int qe = (int)KMath.Round(x[at + 8 * j + 2 * i] * inverse);
                int qo = (int)KMath.Round(x[at + 8 * j + 2 * i + 1] * inverse);
                qe = KMath.Max(-127, KMath.Min(127, qe));
                qo = KMath.Max(-127, KMath.Min(127, qo));
                sum += qe + qo;
                lo = lo | (((uint)qe & 255u) << (8 * i));
                hi = hi | (((uint)qo & 255u) << (8 * i));
            }
            int xw = t * (k / 4) + ActivationWord(StoredWord(4 * g + j, interleaved));
            xq[xw] = lo;
            xq[xw + 16] = hi;
        }
        xScale[t * groups + g] = scale;
        xSum[t * groups + g] = sum;
    }

    /// <summary>
    /// GEMV (tokenTile 1) and GEMM (tokenTile 4, or 128 for long prompts) of int4 weights (in either <see cref="Int4Layout"/>,
    /// <paramref name="interleaved"/> 1 for GroupInterleaved, with x quantised for the same layout) with Q8 activations: one lane
    /// per row, exact integer dot per 32 weights, one float multiply-add per group. On the CPU backend a vectorised
    /// group body (Int4Q8CpuBody) runs instead of the lanes; a tile of 128 tokens keeps the group's 64 rows of weights
    /// in the core's L2 while it works through the tokens four at a time, instead of streaming them from DRAM per 4.
    /// </summary>
    [Kernel]
    [CpuGroupBody(typeof(Int4Q8CpuBody), nameof(Int4Q8CpuBody.Q8Rows))]
    static void Q8Rows([Extent("n * k / 8")] ArrayView<uint> packed, [Extent("(n * (k / groupSize) + 1) / 2")] ArrayView<uint> scales,
        [Extent("tokens * k / 4")] ArrayView<uint> xq, [Extent("tokens * k / 32")] ArrayView<float> xScale, [Extent("tokens * k / 32")] ArrayView<int> xSum,
        [Extent("tokens * n")] ArrayView<float> y, int n, int k, int tokens, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(1, 4, 128)] SpecializedValue<int> tokenTile,
        [Specialize(0, 1)] SpecializedValue<int> interleaved)
    {
        int row = Grid.GlobalIndex.X;
        if (row >= n) return;
        int t0 = Grid.IdxY * tokenTile;
        int words = k / 8;
        int groups = k / 32;
        int scalesPerRow = k / groupSize;
        for (int tt = 0; tt < tokenTile; tt++)
        {
            int t = t0 + tt;
            if (t < tokens)
            {
                float acc = 0f;
                for (int g = 0; g < groups; g++)
                {
                    int dot = 0;
                    for (int j = 4 * g; j < 4 * g + 4; j++)
                    {
                        int p = StoredWord(j, interleaved);
                        uint w = packed[row * words + p];
                        int xw = t * (k / 4) + ActivationWord(p);
                        dot = KMath.Dot4(w & 0x0F0F0F0Fu, xq[xw], dot);
                        dot = KMath.Dot4((w >> 4) & 0x0F0F0F0Fu, xq[xw + 16], dot);
                    }
                    int si = row * scalesPerRow + g * 32 / groupSize;
                    acc += (float)(dot - 8 * xSum[t * groups + g]) * (ScaleAt(scales[si >> 1], si) * xScale[t * groups + g]);
                }
                y[t * n + row] = acc;
            }
        }
    }
}
