using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Device buffers for flash-decoding's per-split partial results: the running max and sum
/// <c>[MaxSplits, NHeads]</c>, the unnormalised outputs <c>[MaxSplits, NHeads, HeadDim]</c>, and per row tile of a KV
/// head the count of splits that have finished (the last one merges them, then sets it back to 0).
/// Allocate one per model (layers run one after another) and pass it to <c>MistralKernels.AttentionDecode</c>.
/// </summary>
public sealed class AttentionScratch : IDisposable
{
    /// <summary>Keys a split covers at least, so a group's fixed cost stays small against its work.</summary>
    public const int MinKeysPerSplit = 64;

    /// <summary>Upper bound on the default <see cref="MaxSplits"/>.</summary>
    public const int DefaultSplitLimit = 64;

    private AttentionScratch(Accelerator accelerator, AttentionShape shape, int maxSplits)
    {
        Shape = shape;
        MaxSplits = maxSplits;
        PartialMax = accelerator.Allocate<float>((long)maxSplits * shape.NHeads);
        PartialSum = accelerator.Allocate<float>((long)maxSplits * shape.NHeads);
        PartialOutput = accelerator.Allocate<float>((long)maxSplits * shape.NHeads * shape.HeadDim);
        // A tile holds at least one query head, so there are never more tiles than heads; zero-filled, as the kernels expect.
        Arrivals = accelerator.Allocate<int>(shape.NHeads);
    }

    /// <summary>The shape the buffers were sized for.</summary>
    public AttentionShape Shape { get; }

    /// <summary>The most key splits one decode step may use.</summary>
    public int MaxSplits { get; }

    /// <summary>Per split and head: the max score of the split's keys.</summary>
    public DeviceBuffer<float> PartialMax { get; }

    /// <summary>Per split and head: Σ exp(score − max) over the split's keys.</summary>
    public DeviceBuffer<float> PartialSum { get; }

    /// <summary>Per split, head and dim: Σ exp(score − max) · v over the split's keys.</summary>
    public DeviceBuffer<float> PartialOutput { get; }

    /// <summary>Per row tile of a KV head: splits finished in the running launch (0 between launches).</summary>
    public DeviceBuffer<int> Arrivals { get; }

    /// <summary>
    /// Allocates scratch for <paramref name="shape"/>. With <paramref name="maxSplits"/> = 0 the limit is
    /// enough splits of <see cref="MinKeysPerSplit"/> keys to cover the largest key range a query sees
    /// (min(Window, CacheSlots)), capped at <see cref="DefaultSplitLimit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, or <paramref name="maxSplits"/> is negative.</exception>
    public static AttentionScratch Create(Accelerator accelerator, AttentionShape shape, int maxSplits = 0)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (maxSplits < 0) throw new ArgumentException($"maxSplits must be 0 (automatic) or positive, got {maxSplits}.", nameof(maxSplits));
        if (maxSplits == 0) maxSplits = DefaultMaxSplits(shape);
        return new AttentionScratch(accelerator, shape, maxSplits);
    }

    /// <summary>
    /// The automatic split limit: enough splits of <see cref="MinKeysPerSplit"/> keys to cover the largest key range a
    /// query sees (min(Window, CacheSlots)), capped at <see cref="DefaultSplitLimit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public static int DefaultMaxSplits(AttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        int keys = Math.Min(shape.Window, shape.CacheSlots);
        return Math.Clamp((keys + MinKeysPerSplit - 1) / MinKeysPerSplit, 1, DefaultSplitLimit);
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        PartialMax.Dispose();
        PartialSum.Dispose();
        PartialOutput.Dispose();
        Arrivals.Dispose();
    }
}
