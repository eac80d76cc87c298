// WarpReduceSum: partialSums[g] = sum of x[i] over the 256 elements of group g (zero past n).
//
// Two levels instead of a log2(256)-step shared tree: each warp sums its 32 values in registers
// (WarpExtensions.AllReduce, 5 shuffles, no barrier), warp leaders park 8 sums in shared memory, and after
// one barrier every warp reduces those 8 again so the collective stays uniform across the group.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;
using Warp = ILGPU.Warp;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>One partial sum per group of <see cref="ReduceGroupSize"/> lanes, by warp shuffles.</summary>
    /// <param name="x">The values.</param>
    /// <param name="partialSums">One sum per group.</param>
    /// <param name="n">Number of values.</param>
    [Kernel]
    public static void WarpReduceSum([Extent("n")] ArrayView<float> x, [Extent("(n + 255) / 256")] ArrayView<float> partialSums, int n)
    {
        var warpSums = SharedMemory.Allocate<float>(ReduceGroupSize / KernelShape.WarpSize);
        int i = Grid.GlobalIndex.X;
        float value = i < n ? x[i] : 0f;
        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(value);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = warpSum;
        Group.Barrier();
        int warps = Group.DimX / KernelShape.WarpSize;
        float parked = Warp.LaneIdx < warps ? warpSums[Warp.LaneIdx] : 0f;
        float total = WarpExtensions.AllReduce<float, AddFloat>(parked);
        if (Group.LinearIndex == 0) partialSums[Grid.IdxX] = total;
    }
}
