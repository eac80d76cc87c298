// Atomic maximum and compare-exchange, the two read-modify-writes besides Add that kernels use.
//
// BinMax: maxima[key] = max over the values with that key, in int and in float (the float maximum
// is a compare-and-swap loop on OpenCL, a native atomicMax on CUDA only for ints).
// ClaimSlots: a "first writer wins" claim table: every lane tries to claim its slot by swapping
// its own index for the empty marker -1; exactly one lane per slot sees -1 come back and wins.
// Which lane wins depends on timing; that exactly one does, and that the table names it, does not.
using ILGPU;
using Mistral.Gpu.Language;
using Atomic = ILGPU.Atomic;

namespace Mistral.Gpu.Kernels.Proof;

public static partial class ProofKernels
{
    /// <summary>The marker of an unclaimed slot in <see cref="ClaimSlots"/>'s owner table.</summary>
    public const int Unclaimed = -1;

    /// <summary>
    /// Per-bin maxima by <c>Atomic.Max</c>: for every i with <c>keys[i]</c> in [0, bins), raises
    /// <c>maxima[keys[i]]</c> to <c>values[i]</c> and <c>peaks[keys[i]]</c> to <c>weights[i]</c>.
    /// </summary>
    /// <param name="keys">Bin of each element; out-of-range keys are ignored.</param>
    /// <param name="values">Integer value of each element.</param>
    /// <param name="weights">Float value of each element.</param>
    /// <param name="maxima">Integer maximum per bin (raised in place; fill it with int.MinValue first).</param>
    /// <param name="peaks">Float maximum per bin (raised in place; fill it with -infinity first).</param>
    /// <param name="n">Number of elements.</param>
    /// <param name="bins">Number of bins.</param>
    [Kernel]
    public static void BinMax([Extent("n")] ArrayView<int> keys, [Extent("n")] ArrayView<int> values,
        [Extent("n")] ArrayView<float> weights, [Extent("bins")] ArrayView<int> maxima, [Extent("bins")] ArrayView<float> peaks, int n, int bins)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n)
        {
            int bin = keys[i];
            if (bin >= 0 && bin < bins)
            {
                Atomic.Max(ref maxima[bin], values[i]);
                Atomic.Max(ref peaks[bin], weights[i]);
            }
        }
    }

    /// <summary>
    /// A first-writer-wins claim table by <c>Atomic.CompareExchange</c>: lane i claims
    /// <c>owners[slots[i]]</c> if it still holds <see cref="Unclaimed"/>; <c>won[i]</c> is 1 for the
    /// lane whose claim took, 0 for the others and for out-of-range slots.
    /// </summary>
    /// <param name="slots">Slot each lane claims.</param>
    /// <param name="owners">Owner per slot (fill it with <see cref="Unclaimed"/> first).</param>
    /// <param name="won">Per lane: 1 when its claim took.</param>
    /// <param name="n">Number of lanes with a claim.</param>
    /// <param name="slotCount">Number of slots.</param>
    [Kernel]
    public static void ClaimSlots([Extent("n")] ArrayView<int> slots, [Extent("slotCount")] ArrayView<int> owners,
        [Extent("n")] ArrayView<int> won, int n, int slotCount)
    {
        int i = Grid.GlobalIndex.X;
        if (i < n)
        {
            int slot = slots[i];
            int claimed = 0;
            if (slot >= 0 && slot < slotCount && Atomic.CompareExchange(ref owners[slot], Unclaimed, i) == Unclaimed) claimed = 1;
            won[i] = claimed;
        }
    }
}
