namespace Mistral.Gpu.Runtime;

/// <summary>
/// The built variants of each kernel, one entry per specialization-value combination, shared by the CUDA and OpenCL
/// caches. A launch reads its values into a span and the table compares them with the few variants built so far, so
/// finding the variant allocates nothing; launches may come from several threads, so the table locks.
/// </summary>
/// <typeparam name="TEntry">What a backend keeps per variant (a module and function, a program and kernel).</typeparam>
internal sealed class KernelVariants<TEntry>
{
    private readonly Dictionary<KernelDefinition, List<(int[] Values, TEntry Entry)>> byKernel = new(ReferenceEqualityComparer.Instance);
    private readonly Lock gate = new();
    private int count;

    /// <summary>Variants built so far.</summary>
    public int Count => count;

    /// <summary>The variant of <paramref name="kernel"/> for <paramref name="values"/>, built by <paramref name="build"/> the first time.</summary>
    public TEntry GetOrBuild<TState>(KernelDefinition kernel, ReadOnlySpan<int> values, TState state, Func<TState, KernelDefinition, int[], TEntry> build)
    {
        lock (gate)
        {
            if (!byKernel.TryGetValue(kernel, out var variants)) byKernel[kernel] = variants = [];
            foreach (var (known, entry) in variants)
                if (values.SequenceEqual(known)) return entry;
            int[] copy = values.ToArray();
            var built = build(state, kernel, copy);
            variants.Add((copy, built));
            count++;
            return built;
        }
    }

    /// <summary>Every entry, then none: for the owner's Dispose.</summary>
    public List<TEntry> TakeAll()
    {
        lock (gate)
        {
            var all = byKernel.Values.SelectMany(v => v.Select(e => e.Entry)).ToList();
            byKernel.Clear();
            count = 0;
            return all;
        }
    }
}
