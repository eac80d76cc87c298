using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// An ILGPU-form kernel of this test assembly that uses what VectorAdd does not (shared memory, a barrier, an
/// ILGPU.Algorithms warp reduction, a specialization), so ILGPU's accelerators and compilers are tested on all of it
/// before the project's kernels are ported. The attributes are qualified: the kernel language's Group and Warp would
/// otherwise clash with ILGPU's.
/// </summary>
public static partial class IlgpuTestKernels
{
    /// <summary>Lanes per group <see cref="ScaledGroupSums"/> expects.</summary>
    public const int GroupSize = 64;

    /// <summary>sums[g] = scale * (sum of x over group g's lanes), for groups of <see cref="GroupSize"/> lanes.</summary>
    /// <param name="x">The values (lanes past n add 0).</param>
    /// <param name="sums">One sum per group.</param>
    /// <param name="n">Number of values.</param>
    /// <param name="scale">A compile-time factor.</param>
    [Mistral.Gpu.Language.Kernel]
    public static void ScaledGroupSums([Mistral.Gpu.Language.Extent("n")] ArrayView<float> x, ArrayView<float> sums, int n, [Mistral.Gpu.Language.Specialize(1, 3)] SpecializedValue<int> scale)
    {
        var warpSums = SharedMemory.Allocate<float>(GroupSize / 32);
        int i = Grid.GlobalIndex.X;
        float v = 0f;
        if (i < n) v = x[i] * scale.Value;
        float warpSum = WarpExtensions.AllReduce<float, AddFloat>(v);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = warpSum;
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            float total = 0f;
            for (int w = 0; w < GroupSize / 32; w++) total += warpSums[w];
            sums[Grid.IdxX] = total;
        }
    }
}
