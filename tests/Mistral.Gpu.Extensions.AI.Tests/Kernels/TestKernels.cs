// Kernels defined by this test project, not by kernels/: they go through the same generator a user's
// project gets from the Mistral.Gpu.Runtime package.
//
// Saxpy: result[i] = a * x[i] + y[i], one lane per element with a bounds check.
// BlockDot: partial[g] = sum over the 128 elements of group g of x[i] * y[i] (zero past n), a
// shared-memory tree with a barrier between halving steps — the path where the CPU backend must
// step all lanes of a group in lock step.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Extensions.AI.Tests.Kernels;

public static partial class TestKernels
{
    public const int DotGroupSize = 128;

    [Kernel]
    public static void Saxpy(KernelContext ctx, float a, [Extent("n")] ReadOnlyView<float> x, [Extent("n")] ReadOnlyView<float> y, [Extent("n")] View<float> result, int n)
    {
        int i = ctx.GlobalId.X;
        if (i < n) result[i] = a * x[i] + y[i];
    }

    [Kernel]
    public static void BlockDot(KernelContext ctx, [Extent("n")] ReadOnlyView<float> x, [Extent("n")] ReadOnlyView<float> y, [Extent("(n + 127) / 128")] View<float> partial, int n)
    {
        var products = Shared.Allocate<float>(DotGroupSize);
        int lane = ctx.LaneId.X;
        int i = ctx.GlobalId.X;
        products[lane] = i < n ? x[i] * y[i] : 0f;
        Group.Barrier();
        for (int stride = DotGroupSize / 2; stride > 0; stride >>= 1)
        {
            if (lane < stride) products[lane] += products[lane + stride];
            Group.Barrier();
        }
        if (lane == 0) partial[ctx.GroupId.X] = products[0];
    }
}
