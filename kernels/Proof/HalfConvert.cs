// HalfRoundTrip / BFloat16RoundTrip: narrow[i] = round(x[i]), back[i] = (float)narrow[i].
//
// 16-bit floats are stored as raw bits and never computed on: C# code converts explicitly, and the
// generator maps each conversion to the device's round-to-nearest-even instruction (PTX cvt.rn,
// OpenCL vstore_half_rte, a bit trick for bfloat16), so all backends agree bit for bit.
using ILGPU;
using Mistral.Gpu.Language;
using Half = ILGPU.Half;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Rounds floats to IEEE half and widens them back.</summary>
    /// <param name="x">The floats.</param>
    /// <param name="narrow">x rounded to half.</param>
    /// <param name="back">narrow widened to float.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void HalfRoundTrip([Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<Half> narrow, [Extent("n")] ArrayView<float> back, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= n) return;
        Half h = (Half)KMath.HalfRounded(x[i]);
        narrow[i] = h;
        back[i] = (float)h;
    }

    /// <summary>Rounds floats to bfloat16 and widens them back.</summary>
    /// <param name="x">The floats.</param>
    /// <param name="narrow">x rounded to bfloat16.</param>
    /// <param name="back">narrow widened to float.</param>
    /// <param name="n">Number of elements.</param>
    [Kernel]
    public static void BFloat16RoundTrip([Extent("n")] ArrayView<float> x, [Extent("n")] ArrayView<BFloat16> narrow, [Extent("n")] ArrayView<float> back, int n)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= n) return;
        BFloat16 b = (BFloat16)x[i];
        narrow[i] = b;
        back[i] = (float)b;
    }
}
