using Mistral.Gpu.Language;

namespace Mistral.Gpu.Runtime;

/// <summary>The shape of a launch: how many groups, and how many lanes in each.</summary>
/// <param name="GroupCount">Groups in the grid (CUDA gridDim).</param>
/// <param name="GroupSize">Lanes per group (CUDA blockDim, OpenCL local size).</param>
public readonly record struct LaunchDims(Dim3 GroupCount, Dim3 GroupSize)
{
    /// <summary>A 1-D launch covering <paramref name="elements"/> lanes, rounded up to whole groups.</summary>
    public static LaunchDims ForElements(long elements, int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elements);
        return new LaunchDims(new Dim3(checked((int)((elements + groupSize - 1) / groupSize))), new Dim3(groupSize));
    }

    /// <summary>Total lanes in the launch.</summary>
    public long TotalLanes => GroupCount.Volume * GroupSize.Volume;

    /// <inheritdoc />
    public override string ToString() => $"{GroupCount} groups x {GroupSize} lanes";
}
