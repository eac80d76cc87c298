// Histogram: counts[v] += 1 for every value v = values[i] in [0, bins).
//
// Lanes collide on the same bin, so the increment must be an atomic read-modify-write; on a GPU
// this is one atom.global.add per element (fine for a proof; a production histogram would first
// count per group in shared memory).
using ILGPU;
using Mistral.Gpu.Language;
using Atomic = ILGPU.Atomic;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>Counts how often each bin index occurs; out-of-range values are ignored.</summary>
    /// <param name="values">Bin indices.</param>
    /// <param name="counts">Counts per bin (accumulated into; zero it first).</param>
    /// <param name="n">Number of values.</param>
    /// <param name="bins">Number of bins.</param>
    [Kernel]
    public static void Histogram([Extent("n")] ArrayView<int> values, [Extent("bins")] ArrayView<int> counts, int n, int bins)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n)
        {
            int bin = values[i];
            if (bin >= 0 && bin < bins) Atomic.Add(ref counts[bin], 1);
        }
    }
}
