namespace Mistral.Gpu.Runtime;

/// <summary>What one backend offers on this machine: its devices, or why it cannot run here.</summary>
/// <param name="Backend">The backend probed.</param>
/// <param name="Devices">The devices it sees (may be listed even when something else it needs is missing).</param>
/// <param name="UnavailableReason">Null when the backend can run; otherwise one sentence saying what is missing and how to get it.</param>
public sealed record BackendProbe(BackendKind Backend, IReadOnlyList<AcceleratorInfo> Devices, string? UnavailableReason)
{
    /// <summary>True when an accelerator of this backend can be created.</summary>
    public bool IsAvailable => UnavailableReason is null && Devices.Count > 0;

    /// <summary>For an available backend, the devices it skips and why (ILGPU skips OpenCL devices without the generic address space); null when none.</summary>
    public string? SkippedDevices { get; init; }
}
