// WarpShuffles: every warp collective once, each lane writing what it received, so a test can check
// each lane against the definition (out[lane * 10 + j] for the j-th collective below).
//
// One kernel for all of them keeps several collectives back to back in one body, the shape in which
// emulated shuffles once raced between concurrently running groups on PoCL.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using Mistral.Gpu.Language;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Values written per lane by <see cref="WarpShuffles"/>.</summary>
    public const int ShuffleOutputsPerLane = 10;

    /// <summary>Each warp collective on <c>x[lane]</c> (and its bits as an int), results per lane.</summary>
    /// <param name="x">One value per lane of the grid.</param>
    /// <param name="output"><see cref="ShuffleOutputsPerLane"/> values per lane.</param>
    /// <param name="lanes">Lanes in the grid (every lane takes part: a collective needs the whole warp).</param>
    [Kernel]
    public static void WarpShuffles([Extent("lanes")] ArrayView<float> x, [Extent("lanes * 10")] ArrayView<float> output, int lanes)
    {
        int i = Grid.GlobalIndex.X;
        float v = x[i];
        int bits = (int)(v * 1000f);
        float xor5 = Warp.ShuffleXor(v, 5);
        float down3 = Warp.ShuffleDown(v, 3);
        float up7 = Warp.ShuffleUp(v, 7);
        float from13 = Warp.Shuffle(v, 13);
        int xorBits = Warp.ShuffleXor(bits, 17);
        float sum = WarpExtensions.AllReduce<float, AddFloat>(v);
        float max = WarpExtensions.AllReduce<float, MaxFloat>(v);
        float min = WarpExtensions.AllReduce<float, MinFloat>(v);
        int intSum = WarpExtensions.AllReduce<int, AddInt32>(bits);
        int intMax = WarpExtensions.AllReduce<int, MaxInt32>(bits);
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
