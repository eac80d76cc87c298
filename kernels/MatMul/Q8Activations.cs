using System.Runtime.CompilerServices;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Device buffers for activations quantised to int8 (see Int4MatMul.QuantizeQ8): the packed bytes, one
/// scale and one sum of q per group of 32. One per accelerator, grown on demand and used under a lock:
/// the Q8 path runs only on the CPU backend, whose launches are synchronous, so the lock covers the
/// kernels' whole use of the buffers.
/// </summary>
internal sealed class Q8Activations
{
    private static readonly ConditionalWeakTable<Accelerator, Q8Activations> perAccelerator = new();

    private Q8Activations(Accelerator accelerator) => Accelerator = accelerator;

    public Accelerator Accelerator { get; }

    /// <summary>The lock that makes a quantise-then-multiply pair atomic with respect to other callers.</summary>
    public Lock Gate { get; } = new();

    /// <summary>int8 values, four per word, [tokens][K/4] in the Q8 block layout.</summary>
    public DeviceBuffer<uint> Values { get; private set; } = null!;

    /// <summary>Scale per group of 32, [tokens][K/32].</summary>
    public DeviceBuffer<float> Scales { get; private set; } = null!;

    /// <summary>Sum of the int8 values per group of 32, [tokens][K/32].</summary>
    public DeviceBuffer<int> Sums { get; private set; } = null!;

    /// <summary>The accelerator's buffers, holding at least <paramref name="elements"/> activations (tokens x K).</summary>
    public static Q8Activations For(Accelerator accelerator, long elements)
    {
        var scratch = perAccelerator.GetValue(accelerator, a => new Q8Activations(a));
        lock (scratch.Gate)
        {
            if (scratch.Values is null || scratch.Values.Length * 4 < elements)
            {
                scratch.Values?.Dispose();
                scratch.Scales?.Dispose();
                scratch.Sums?.Dispose();
                scratch.Values = accelerator.Allocate<uint>(elements / 4);
                scratch.Scales = accelerator.Allocate<float>(elements / 32);
                scratch.Sums = accelerator.Allocate<int>(elements / 32);
            }
        }
        return scratch;
    }
}
