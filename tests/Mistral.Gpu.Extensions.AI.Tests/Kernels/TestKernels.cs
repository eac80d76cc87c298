// Kernels defined by this test project, not by kernels/: they go through the same generator a user's
// project gets from the Mistral.Gpu.Runtime package.
//
// Saxpy: result[i] = a * x[i] + y[i], one lane per element with a bounds check.
// BlockDot: partial[g] = sum over the 128 elements of group g of x[i] * y[i] (zero past n), a
// shared-memory tree with a barrier between halving steps — the path where the CPU backend must
// step all lanes of a group in lock step.
using ILGPU;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;

namespace Mistral.Gpu.Extensions.AI.Tests.Kernels;

public static partial class TestKernels
{
    public const int DotGroupSize = 128;

    [Kernel]
    public static void Saxpy(float a, [Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<float> y, [Extent("n")] ArrayView<float> result, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n) result[i] = a * x[i] + y[i];
    }

    [Kernel]
    public static void BlockDot([Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<float> y, [Extent("(n + 127) / 128")] ArrayView<float> partial, int n)
    {
        var products = SharedMemory.Allocate<float>(DotGroupSize);
        int lane = Group.IdxX;
        int i = Grid.GlobalIndex.X;
        products[lane] = i < n ? x[i] * y[i] : 0f;
        Group.Barrier();
        for (int stride = DotGroupSize / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride) products[lane] += products[lane + stride];
            Group.Barrier();
        }
        if (lane == 0) partial[Grid.IdxX] = products[0];
    }
}
