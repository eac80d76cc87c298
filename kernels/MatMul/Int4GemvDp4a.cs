// Decode GEMV of int4 weights against x quantised to int8 in the kernel's own prologue (GPUs with dp4a):
//     x[k] ~ dx[g] * q[k],   q in -127..127,   dx[g] = max |x[32g .. 32g+31]| / 127   (rounded as QuantizeQ8 does)
//     y[n] = sum_c s[n, c*32/groupSize] * dx[c] * (dp4a(nibbles(n, c), q(c)) - 8 * sum q(c))
// Each group first quantises all of x into shared memory (K bytes of q, a scale and a sum per 32: 20 KiB for K up to
// 16384), so no second launch and no scratch buffer; x (fp32, at most 64 KiB) comes from L2 after the first group.
// Then each warp takes two rows at a time (two adjacent rows, or with swiGlu the gate row i and the up row H + i):
// lane l reads 16-byte chunk c = l, l + 32, ... (32 weights) of each row with one 128-bit load, so a warp instruction
// reads 512 consecutive bytes, and two chunks per row per step: four independent 128-bit loads in flight per lane.
// The chunk's 32 int8 activations are two 128-bit shared loads. q is stored per chunk in the nibbles' byte order:
// a word's low nibbles (w & 0x0F0F0F0F) are k = 8j, 8j+2, 8j+4, 8j+6 and its high nibbles k = 8j+1, ..., 8j+7, so
// chunk c's first 16 bytes (weight words 0, 1: lo0 hi0 lo1 hi1) sit at word 4c of the first half of the array and its
// last 16 (words 2, 3) at word 4c of the second half: lanes read consecutive 16-byte words, no bank conflicts.
// Per chunk: 8 dp4a on nibbles 0..15 (the "- 8" comes off once, as 8 · sum q), one convert and one fp32 multiply-add
// with weight scale x activation scale, then a warp reduction per row.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels;

public static partial class Int4MatMul
{
    /// <summary>Largest K <see cref="GemvDp4a"/> takes: its shared memory holds K int8 values and K / 32 scales and sums.</summary>
    public const int Dp4aMaxK = 16384;

    /// <summary>Lanes per group of <see cref="GemvDp4a"/> (8 warps, each two rows at a time, sharing one quantised x).</summary>
    public const int Dp4aLanes = 256;

    /// <summary>Groups per compute unit at most: the rest of the rows are a loop in each group, so x is quantised fewer times.</summary>
    public const int Dp4aGroupsPerUnit = 4;

    private const uint LowNibbles = 0x0F0F0F0Fu;

    /// <summary>
    /// GEMV of int4 weights against x quantised to int8 in shared memory, dp4a per 4 weights (see the file's header).
    /// With <paramref name="swiGlu"/> = 1 the weights are [2H, K] (gate rows, then up rows; <paramref name="n"/> = 2H)
    /// and y[i] = silu(x·W[i]) * (x·W[H + i]) for H outputs. Needs K % 32 == 0 and K &lt;= <see cref="Dp4aMaxK"/>.
    /// </summary>
    [Kernel]
    static void GemvDp4a(ArrayView<uint> packed, ArrayView<uint> scales, ArrayView<float> x, ArrayView<float> y,
        int n, int k, [Specialize(32, 128)] SpecializedValue<int> groupSize, [Specialize(0, 1)] SpecializedValue<int> swiGlu)
    {
        ArrayView<uint> xq = SharedMemory.Allocate<uint>(Dp4aMaxK / 4);
        ArrayView<float> xd = SharedMemory.Allocate<float>(Dp4aMaxK / 32);
        ArrayView<int> xsum = SharedMemory.Allocate<int>(Dp4aMaxK / 32);
        int chunks = k / 32;

        // Each warp quantises 128 x per step, coalesced: lane l loads x[128b + 4l .. +3] (one 128-bit load), so 8 lanes
        // hold one group of 32, whose amax and sum are 3 shuffles each; the scale and rounding are QuantizeQ8's, bit for bit.
        // The lane pair (2m, 2m + 1) holds the 8 values of weight word m: the even lane of each pair stores lo_m and hi_m.
        int warps = Group.DimX / 32;
        int seg = Warp.LaneIdx & 7;
        for (int first = 0; first < (k + 127) / 128; first += warps)
        {
            int block = first + Warp.WarpIdx;
            int g = 4 * block + (Warp.LaneIdx >> 3);
            bool valid = g < chunks;
            Float4 v = valid ? x.LoadFloat4(32 * block + Warp.LaneIdx) : new Float4(0f, 0f, 0f, 0f);
            float amax = KMath.Max(KMath.Max(XMath.Abs(v.X), XMath.Abs(v.Y)), KMath.Max(XMath.Abs(v.Z), XMath.Abs(v.W)));
            float m1 = Warp.ShuffleXor(amax, 1);
            amax = KMath.Max(amax, m1);
            float m2 = Warp.ShuffleXor(amax, 2);
            amax = KMath.Max(amax, m2);
            float m4 = Warp.ShuffleXor(amax, 4);
            amax = KMath.Max(amax, m4);
            float inverse = amax > 0f ? 127f / amax : 0f;
            int q0 = QuantizeOne(v.X, inverse);
            int q1 = QuantizeOne(v.Y, inverse);
            int q2 = QuantizeOne(v.Z, inverse);
            int q3 = QuantizeOne(v.W, inverse);
            // Bytes 2(seg & 1), 2(seg & 1) + 1 of word seg / 2's lo (even k) and hi (odd k) parts, as two 16-bit halves.
            uint mine = ((uint)q0 & 255u) | (((uint)q2 & 255u) << 8) | (((uint)q1 & 255u) << 16) | (((uint)q3 & 255u) << 24);
            uint other = Warp.ShuffleXor(mine, 1);
            int sum = q0 + q1 + q2 + q3;
            int s1 = Warp.ShuffleXor(sum, 1);
            sum = sum + s1;
            int s2 = Warp.ShuffleXor(sum, 2);
            sum = sum + s2;
            int s4 = Warp.ShuffleXor(sum, 4);
            sum = sum + s4;
            if (valid && (seg & 1) == 0)
            {
                int word = seg >> 1;
                int at = word < 2 ? 4 * g + 2 * word : 4 * chunks + 4 * g + 2 * (word - 2);
                xq[at] = (mine & 0xFFFFu) | ((other & 0xFFFFu) << 16);
                xq[at + 1] = (mine >> 16) | ((other >> 16) << 16);
                if (seg == 0)
                {
                    xd[g] = amax / 127f;
                    xsum[g] = sum;
                }
            }
        }
        Group.Barrier();

        int outputs = swiGlu == 1 ? n / 2 : n;
        int pairs = swiGlu == 1 ? outputs : (n + 1) / 2;
        int scalesPerRow = k / groupSize;
        // The loop's bounds are the group's, not the warp's, so every warp of a group reaches the reductions together.
        for (int first = Grid.IdxX * warps; first < pairs; first += Grid.DimX * warps)
        {
            int pair = KMath.Min(first + Warp.WarpIdx, pairs - 1);
            int rowA = swiGlu == 1 ? pair : 2 * pair;
            int rowB = swiGlu == 1 ? outputs + pair : KMath.Min(2 * pair + 1, n - 1);
            float accA = 0f;
            float accB = 0f;
            for (int c0 = Warp.LaneIdx; c0 < chunks; c0 += 64)
            {
                // The second chunk is clamped to the first past the row's end, so all four loads issue unconditionally.
                int c1 = c0 + 32 < chunks ? c0 + 32 : c0;
                UInt4 wA0 = packed.LoadUInt4(rowA * chunks + c0);
                UInt4 wB0 = packed.LoadUInt4(rowB * chunks + c0);
                UInt4 wA1 = packed.LoadUInt4(rowA * chunks + c1);
                UInt4 wB1 = packed.LoadUInt4(rowB * chunks + c1);
                UInt4 qa0 = xq.LoadUInt4(c0);
                UInt4 qb0 = xq.LoadUInt4(chunks + c0);
                accA += ChunkTerm(wA0, qa0, qb0, xsum[c0], RowScale(scales, rowA * scalesPerRow + c0 * 32 / groupSize) * xd[c0]);
                accB += ChunkTerm(wB0, qa0, qb0, xsum[c0], RowScale(scales, rowB * scalesPerRow + c0 * 32 / groupSize) * xd[c0]);
                if (c0 + 32 < chunks)
                {
                    UInt4 qa1 = xq.LoadUInt4(c1);
                    UInt4 qb1 = xq.LoadUInt4(chunks + c1);
                    accA += ChunkTerm(wA1, qa1, qb1, xsum[c1], RowScale(scales, rowA * scalesPerRow + c1 * 32 / groupSize) * xd[c1]);
                    accB += ChunkTerm(wB1, qa1, qb1, xsum[c1], RowScale(scales, rowB * scalesPerRow + c1 * 32 / groupSize) * xd[c1]);
                }
            }
            float totalA = WarpExtensions.AllReduce<float, AddFloat>(accA);
            float totalB = WarpExtensions.AllReduce<float, AddFloat>(accB);
            int mine = first + Warp.WarpIdx;
            if (Warp.LaneIdx == 0 && mine < pairs)
            {
                if (swiGlu == 1)
                {
                    y[mine] = SwiGluKernels.Silu(totalA) * totalB;
                }
                else
                {
                    y[2 * mine] = totalA;
                    if (2 * mine + 1 < n) y[2 * mine + 1] = totalB;
                }
            }
        }
    }

    /// <summary>Scale number <paramref name="si"/> of the fp16 scales (two per word).</summary>
    [KernelHelper]
    static float RowScale(ArrayView<uint> scales, int si)
    {
        return ScaleAt(scales[si >> 1], si);
    }

    /// <summary>x times its group's 127 / amax, rounded to even and clamped to ±127 (QuantizeQ8's rounding).</summary>
    [KernelHelper]
    static int QuantizeOne(float x, float inverse)
    {
        int q = (int)KMath.Round(x * inverse);
        return KMath.Max(-127, KMath.Min(127, q));
    }

    /// <summary>One 32-weight chunk's term: the exact integer dot of its nibbles with q (<paramref name="qa"/>, <paramref name="qb"/>), less 8 · sum q, times weight scale x activation scale.</summary>
    [KernelHelper]
    static float ChunkTerm(UInt4 w, UInt4 qa, UInt4 qb, int qSum, float scale)
    {
        int dot = KMath.Dp4a((int)(w.X & LowNibbles), (int)qa.X, 0);
        dot = KMath.Dp4a((int)((w.X >> 4) & LowNibbles), (int)qa.Y, dot);
        dot = KMath.Dp4a((int)(w.Y & LowNibbles), (int)qa.Z, dot);
        dot = KMath.Dp4a((int)((w.Y >> 4) & LowNibbles), (int)qa.W, dot);
        dot = KMath.Dp4a((int)(w.Z & LowNibbles), (int)qb.X, dot);
        dot = KMath.Dp4a((int)((w.Z >> 4) & LowNibbles), (int)qb.Y, dot);
        dot = KMath.Dp4a((int)(w.W & LowNibbles), (int)qb.Z, dot);
        dot = KMath.Dp4a((int)((w.W >> 4) & LowNibbles), (int)qb.W, dot);
        return (float)(dot - 8 * qSum) * scale;
    }
}
