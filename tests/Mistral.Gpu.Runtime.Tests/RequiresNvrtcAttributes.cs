using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>Why NVRTC cannot be loaded here (the folders tried and how to get it), or null when it loads.</summary>
internal static class NvrtcProbe
{
    private static readonly Lazy<string?> reason = new(BackendRegistry.CudaCompilerProblem);

    public static string? Unavailable() => reason.Value;
}

/// <summary>
/// A fact that needs NVRTC but no GPU: skipped with the reason where libnvrtc is missing, failed
/// with it where MGPU_REQUIRE_RUNTIMES=1 (CI fetches NVRTC with tools/fetch-nvrtc.sh).
/// </summary>
public sealed class RequiresNvrtcFactAttribute : FactAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless libnvrtc loads.</summary>
    public RequiresNvrtcFactAttribute()
    {
        MissingReason = NvrtcProbe.Unavailable();
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}

/// <summary>The theory counterpart of <see cref="RequiresNvrtcFactAttribute"/>.</summary>
public sealed class RequiresNvrtcTheoryAttribute : TheoryAttribute, IRuntimeRequirement
{
    /// <summary>Skips unless libnvrtc loads.</summary>
    public RequiresNvrtcTheoryAttribute()
    {
        MissingReason = NvrtcProbe.Unavailable();
        Skip = RuntimeRequirement.SkipReason(MissingReason);
    }

    /// <inheritdoc />
    public string? MissingReason { get; }
}
