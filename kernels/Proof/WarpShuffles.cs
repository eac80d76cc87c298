// WarpShuffles: every warp collective once, each lane writing what it received, so a test can check
// each lane against the definition (out[lane * 10 + j] for the j-th collective below).
//
// One kernel for all of them keeps several collectives back to back in one body, the shape in which
// emulated shuffles once raced between concurrently running groups on PoCL.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Values written per lane by <see cref="WarpShuffles"/>.</summary>
    public const int ShuffleOutputsPerLane = 10;

    /// <summary>Each warp collective on <c>x[lane]</c> (and its bits as an int), results per lane.</summary>
    /// <param name="ctx">The lane.</param>
    /// <param name="x">One value per lane of the grid.</param>
    /// <param name="output"><see cref="ShuffleOutputsPerLane"/> values per lane.</param>
    /// <param name="lanes">Lanes in the grid (every lane takes part: a collective needs the whole warp).</param>
    [Kernel]
    public static void WarpShuffles(KernelContext ctx, [Extent("lanes")] ReadOnlyView<float> x, [Extent("lanes * 10")] View<float> output, int lanes)
    {
        int i = ctx.GlobalId.X;
        float v = x[i];
        int bits = (int)(v * 1000f);
        float xor5 = Warp.ShuffleXor(v, 5);
        float down3 = Warp.ShuffleDown(v, 3);
        float up7 = Warp.ShuffleUp(v, 7);
        float from13 = Warp.Shuffle(v, 13);
        int xorBits = Warp.ShuffleXor(bits, 17);
        float sum = Warp.ReduceSum(v);
        float max = Warp.ReduceMax(v);
        float min = Warp.ReduceMin(v);
        int intSum = Warp.ReduceSum(bits);
        int intMax = Warp.ReduceMax(bits);
        int o = i * 10;
        output[o] = xor5;
        output[o + 1] = down3;
        output[o + 2] = up7;
        output[o + 3] = from13;
        output[o + 4] = xorBits;
        output[o + 5] = sum;
        output[o + 6] = max;
        output[o + 7] = min;
        output[o + 8] = intSum;
        output[o + 9] = intMax;
    }
}
