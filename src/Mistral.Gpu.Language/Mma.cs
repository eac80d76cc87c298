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
        // Row g of A from the four lanes 4g..4g+3 (k = 0..7 in X, 8..15 in Z), row g + 8 likewise from Y and W;
        // column 2t of B from lanes 8t..8t+3, column 2t + 1 from the next four.
        var rowLow = Gather4(a.X, rowLane);
        var rowHigh = Gather4(a.Z, rowLane);
        var row8Low = Gather4(a.Y, rowLane);
        var row8High = Gather4(a.W, rowLane);
        var colLow = Gather4(b0, colLane);
        var colHigh = Gather4(b1, colLane);
        var col1Low = Gather4(b0, colLane + 4);
        var col1High = Gather4(b1, colLane + 4);
        return Outputs(rowLow, rowHigh, row8Low, row8High, colLow, colHigh, col1Low, col1High, c);
    }

    /// <summary>D's fragment from the gathered rows g, g + 8 of A and columns 2t, 2t + 1 of B (each as k = 0..7, 8..15): the fallbacks' one sum.</summary>
    internal static Float4 Outputs(UInt4 rowLow, UInt4 rowHigh, UInt4 row8Low, UInt4 row8High, UInt4 colLow, UInt4 colHigh, UInt4 col1Low, UInt4 col1High, Float4 c) => new(
        Dot16(rowLow, rowHigh, colLow, colHigh, c.X),
        Dot16(rowLow, rowHigh, col1Low, col1High, c.Y),
        Dot16(row8Low, row8High, colLow, colHigh, c.Z),
        Dot16(row8Low, row8High, col1Low, col1High, c.W));

    /// <summary>The word <paramref name="value"/> of lanes <paramref name="first"/>..first + 3, in lane order.</summary>
    private static UInt4 Gather4(uint value, int first) => new(
        ILGPU.Warp.Shuffle(value, first),
        ILGPU.Warp.Shuffle(value, first + 1),
        ILGPU.Warp.Shuffle(value, first + 2),
        ILGPU.Warp.Shuffle(value, first + 3));

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
