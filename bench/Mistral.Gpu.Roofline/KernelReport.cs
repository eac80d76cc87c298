namespace Mistral.Gpu.Roofline;

/// <summary>
/// Per-kernel results on one device: what a single-kernel suite or a decode-step profile exports
/// (see <see cref="KernelReportFormats"/> for Markdown, CSV and JSON).
/// </summary>
public sealed record KernelReport
{
    /// <summary>The device the kernels ran on.</summary>
    public required DeviceDescription Device { get; init; }

    /// <summary>Its ceilings, with sources.</summary>
    public required DevicePeaks Peaks { get; init; }

    /// <summary>The kernels, in the order measured.</summary>
    public IReadOnlyList<KernelMeasurement> Kernels { get; init; } = [];
}
