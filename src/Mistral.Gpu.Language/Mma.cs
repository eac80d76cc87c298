using ILGPU.IR.Intrinsics;

namespace Mistral.Gpu.Language;

/// <summary>
/// Warp-wide matrix multiply-accumulate on NVIDIA's tensor cores, <c>D = A · B + C</c> for one 16 x 8 x 16 tile:
/// A 16 x 16 fp16 (row-major), B 16 x 8 fp16 (column-major), C and D 16 x 8 fp32. PTX's
/// <c>mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32</c> (sm_80 and later). Each of the warp's 32 lanes holds a
/// fragment of each matrix; with <c>g = lane / 4</c> and <c>t = lane % 4</c> (PTX ISA, "Matrix fragments for
/// mma.m16n8k16 with floating point type"):
/// <list type="bullet">
/// <item>A, four words of two halves (low half = the lower column): <c>a.X = A[g][2t, 2t+1]</c>,
/// <c>a.Y = A[g+8][2t, 2t+1]</c>, <c>a.Z = A[g][2t+8, 2t+9]</c>, <c>a.W = A[g+8][2t+8, 2t+9]</c>.</item>
/// <item>B, two words (low half = the lower row): <c>b0 = B[2t, 2t+1][g]</c>, <c>b1 = B[2t+8, 2t+9][g]</c>.</item>
/// <item>C and D, four floats: <c>X = [g][2t]</c>, <c>Y = [g][2t+1]</c>, <c>Z = [g+8][2t]</c>, <c>W = [g+8][2t+1]</c>.</item>
/// </list>
/// Like a warp collective, every lane of the warp must reach the call (uniform control flow), the group size must be a
/// multiple of 32, and in kernels the call must be the whole right-hand side of a statement.
/// </summary>
/// <remarks>
/// Where there are no tensor cores (OpenCL, the CPU backends, ILGPU's CPU accelerator) the same fragments are exchanged
/// between the warp's lanes (shuffles, a local-memory exchange, or the CPU group's exchange) and each lane computes its
/// four outputs in fp32 as <see cref="Dot16"/> does: products of halves are exact in fp32, summed in k order 0..15 onto
/// C. So every fallback agrees with every other bit for bit, and with the hardware to within the hardware's own
/// accumulation rounding (PTX leaves the order and the internal precision of the tensor-core sum unspecified).
/// </remarks>
public static class Mma
{
    /// <summary>Rows of A, C and D.</summary>
    public const int M = 16;

    /// <summary>Columns of B, C and D.</summary>
    public const int N = 8;

    /// <summary>Columns of A, rows of B.</summary>
    public const int K = 16;

    /// <summary>
    /// <c>D = A · B + C</c> over one 16 x 8 x 16 tile held in this lane's fragments (see <see cref="Mma"/> for the layout).
    /// An ILGPU intrinsic (<c>IlgpuContextSetup.EnableMistralKernels</c> maps it to the PTX instruction; OpenCL and ILGPU's
    /// CPU accelerator run <see cref="M16N8K16Shuffled"/>); the translator maps it to inline PTX in CUDA C and to an
    /// exchange through local memory in OpenCL C.
    /// </summary>
    /// <param name="a">A's fragment: four words of two halves.</param>
    /// <param name="b0">B's fragment, rows 2t and 2t + 1 of column g.</param>
    /// <param name="b1">B's fragment, rows 2t + 8 and 2t + 9 of column g.</param>
    /// <param name="c">C's fragment.</param>
    /// <returns>D's fragment.</returns>
    [IntrinsicImplementation]
    public static Float4 M16N8K16(UInt4 a, uint b0, uint b1, Float4 c) => M16N8K16Shuffled(a, b0, b1, c);

    /// <summary>
    /// The portable form of <see cref="M16N8K16"/>: the lane gathers row g and g + 8 of A and columns 2t and 2t + 1 of B
    /// from the lanes holding them with 32 warp shuffles, then sums as <see cref="Dot16"/>. Runs wherever ILGPU has warp
    /// shuffles (its CPU accelerator, OpenCL 2.0 subgroups).
    /// </summary>
    /// <param name="a">A's fragment.</param>
    /// <param name="b0">B's fragment, low rows.</param>
    /// <param name="b1">B's fragment, high rows.</param>
    /// <param name="c">C's fragment.</param>
    /// <returns>D's fragment.</returns>
    public static Float4 M16N8K16Shuffled(UInt4 a, uint b0, uint b1, Float4 c)
    {
        int lane = ILGPU.Warp.LaneIdx;
        int rowLane = lane & ~3;          // 4g: the four lanes holding rows g and g + 8 of A
        int colLane = (lane & 3) * 8;     // 4 * (2t): the four lanes holding column 2t of B; column 2t + 1 follows
        uint r0 = ILGPU.Warp.Shuffle(a.X, rowLane);
        uint r1 = ILGPU.Warp.Shuffle(a.X, rowLane + 1);
        uint r2 = ILGPU.Warp.Shuffle(a.X, rowLane + 2);
        uint r3 = ILGPU.Warp.Shuffle(a.X, rowLane + 3);
        uint r4 = ILGPU.Warp.Shuffle(a.Z, rowLane);
        uint r5 = ILGPU.Warp.Shuffle(a.Z, rowLane + 1);
        uint r6 = ILGPU.Warp.Shuffle(a.Z, rowLane + 2);
        uint r7 = ILGPU.Warp.Shuffle(a.Z, rowLane + 3);
        uint s0 = ILGPU.Warp.Shuffle(a.Y, rowLane);
        uint s1 = ILGPU.Warp.Shuffle(a.Y, rowLane + 1);
        uint s2 = ILGPU.Warp.Shuffle(a.Y, rowLane + 2);
        uint s3 = ILGPU.Warp.Shuffle(a.Y, rowLane + 3);
        uint s4 = ILGPU.Warp.Shuffle(a.W, rowLane);
        uint s5 = ILGPU.Warp.Shuffle(a.W, rowLane + 1);
        uint s6 = ILGPU.Warp.Shuffle(a.W, rowLane + 2);
        uint s7 = ILGPU.Warp.Shuffle(a.W, rowLane + 3);
        uint p0 = ILGPU.Warp.Shuffle(b0, colLane);
        uint p1 = ILGPU.Warp.Shuffle(b0, colLane + 1);
        uint p2 = ILGPU.Warp.Shuffle(b0, colLane + 2);
        uint p3 = ILGPU.Warp.Shuffle(b0, colLane + 3);
        uint p4 = ILGPU.Warp.Shuffle(b1, colLane);
        uint p5 = ILGPU.Warp.Shuffle(b1, colLane + 1);
        uint p6 = ILGPU.Warp.Shuffle(b1, colLane + 2);
        uint p7 = ILGPU.Warp.Shuffle(b1, colLane + 3);
        uint q0 = ILGPU.Warp.Shuffle(b0, colLane + 4);
        uint q1 = ILGPU.Warp.Shuffle(b0, colLane + 5);
        uint q2 = ILGPU.Warp.Shuffle(b0, colLane + 6);
        uint q3 = ILGPU.Warp.Shuffle(b0, colLane + 7);
        uint q4 = ILGPU.Warp.Shuffle(b1, colLane + 4);
        uint q5 = ILGPU.Warp.Shuffle(b1, colLane + 5);
        uint q6 = ILGPU.Warp.Shuffle(b1, colLane + 6);
        uint q7 = ILGPU.Warp.Shuffle(b1, colLane + 7);
        var rowLow = new UInt4(r0, r1, r2, r3);
        var rowHigh = new UInt4(r4, r5, r6, r7);
        var row8Low = new UInt4(s0, s1, s2, s3);
        var row8High = new UInt4(s4, s5, s6, s7);
        var colLow = new UInt4(p0, p1, p2, p3);
        var colHigh = new UInt4(p4, p5, p6, p7);
        var col1Low = new UInt4(q0, q1, q2, q3);
        var col1High = new UInt4(q4, q5, q6, q7);
        return new Float4(
            Dot16(rowLow, rowHigh, colLow, colHigh, c.X),
            Dot16(rowLow, rowHigh, col1Low, col1High, c.Y),
            Dot16(row8Low, row8High, colLow, colHigh, c.Z),
            Dot16(row8Low, row8High, col1Low, col1High, c.W));
    }

    /// <summary>
    /// <c>c + Σ_k a[k] · b[k]</c> over 16 halves each, packed two per word in k order (low half first; the low vectors
    /// hold k = 0..7, the high ones k = 8..15), summed in fp32 in k order: each product of two halves is exact in fp32, so
    /// the only roundings are the 16 additions. The one definition of the fallbacks' arithmetic.
    /// </summary>
    /// <param name="aLow">A's row, k = 0..7.</param>
    /// <param name="aHigh">A's row, k = 8..15.</param>
    /// <param name="bLow">B's column, k = 0..7.</param>
    /// <param name="bHigh">B's column, k = 8..15.</param>
    /// <param name="c">The accumulator.</param>
    /// <returns>The accumulated dot product.</returns>
    public static float Dot16(UInt4 aLow, UInt4 aHigh, UInt4 bLow, UInt4 bHigh, float c)
    {
        float acc = Dot2(aLow.X, bLow.X, c);
        acc = Dot2(aLow.Y, bLow.Y, acc);
        acc = Dot2(aLow.Z, bLow.Z, acc);
        acc = Dot2(aLow.W, bLow.W, acc);
        acc = Dot2(aHigh.X, bHigh.X, acc);
        acc = Dot2(aHigh.Y, bHigh.Y, acc);
        acc = Dot2(aHigh.Z, bHigh.Z, acc);
        return Dot2(aHigh.W, bHigh.W, acc);
    }

    /// <summary><c>acc + lo(a)·lo(b)</c>, then <c>+ hi(a)·hi(b)</c>: two exact products, two fp32 additions.</summary>
    private static float Dot2(uint a, uint b, float acc)
    {
        float low = acc + KMath.HalfLow(a) * KMath.HalfLow(b);
        return low + KMath.HalfHigh(a) * KMath.HalfHigh(b);
    }
}
