using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// A fact that runs only where <see cref="Accelerators.Probe"/> finds a device of the backend (ILGPU's CUDA or OpenCL
/// accelerators: CI has neither), and otherwise is skipped with the probe's reason. Like CUDA, never required.
/// </summary>
public sealed class RequiresBackendFactAttribute : FactAttribute
{
    private static readonly Lazy<IReadOnlyList<BackendProbe>> Probes = new(Accelerators.Probe);

    /// <summary>Skips when <paramref name="backend"/> has no device here.</summary>
    public RequiresBackendFactAttribute(BackendKind backend)
    {
        var probe = Probes.Value.Single(p => p.Backend == backend);
        if (!probe.IsAvailable) Skip = $"{backend} unavailable: {probe.UnavailableReason ?? "no device"}";
    }
}
