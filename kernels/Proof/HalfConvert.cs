// HalfRoundTrip / BFloat16RoundTrip: narrow[i] = round(x[i]), back[i] = (float)narrow[i].
//
// 16-bit floats are stored as raw bits and never computed on: C# code converts explicitly, and the
// generator maps each conversion to the device's round-to-nearest-even instruction (PTX cvt.rn,
// OpenCL vstore_half_rte, a bit trick for bfloat16), so all backends agree bit for bit.
using Mistral.Gpu.Language;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Rounds floats to IEEE half and widens them back.</summary>
    /// <param name="ctx">The lane.</param>
    /// <param name="x">The floats.</param>
    /// <param name="narrow">x rounded to half.</param>
    /// <param name="back">narrow widened to float.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void HalfRoundTrip(KernelContext ctx, [Extent("n")] ReadOnlyView<float> x, [Extent("n")] View<Half> narrow, [Extent("n")] View<float> back, int n)
    {
        int i = ctx.GlobalId.X;
        if (i >= n) return;
        Half h = (Half)x[i];
        narrow[i] = h;
        back[i] = (float)h;
    }

    /// <summary>Rounds floats to bfloat16 and widens them back.</summary>
    /// <param name="ctx">The lane.</param>
    /// <param name="x">The floats.</param>
    /// <param name="narrow">x rounded to bfloat16.</param>
    /// <param name="back">narrow widened to float.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void BFloat16RoundTrip(KernelContext ctx, [Extent("n")] ReadOnlyView<float> x, [Extent("n")] View<BFloat16> narrow, [Extent("n")] View<float> back, int n)
    {
        int i = ctx.GlobalId.X;
        if (i >= n) return;
        BFloat16 b = (BFloat16)x[i];
        narrow[i] = b;
        back[i] = (float)b;
    }
}
