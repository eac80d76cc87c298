namespace Mistral.Gpu.Roofline;

/// <summary>
/// The ceilings a result is compared with, each with where it comes from: a datasheet row of
/// <c>KnownDevices</c>, or a measurement on this machine (always labelled "measured").
/// </summary>
public sealed record DevicePeaks
{
    /// <summary>Peak memory bandwidth in bytes/s; null when neither known nor measured.</summary>
    public double? BandwidthBytesPerSecond { get; init; }

    /// <summary>Where <see cref="BandwidthBytesPerSecond"/> comes from ("datasheet: ..." or "measured: ...").</summary>
    public string BandwidthSource { get; init; } = "";

    /// <summary>Peak dense fp16/bf16 FLOP/s; null when unknown (the CPU backends have no datasheet figure).</summary>
    public double? FlopsPerSecond { get; init; }

    /// <summary>Where <see cref="FlopsPerSecond"/> comes from.</summary>
    public string FlopsSource { get; init; } = "";

    /// <summary>
    /// Peak int8 multiply-adds per second, each counted as two operations (as a FLOP), measured on CPUs by
    /// <see cref="IntegerDotProbe"/>: the ceiling of the int4 x int8 GEMM a CPU prefill runs; null when not measured.
    /// </summary>
    public double? IntegerDotOpsPerSecond { get; init; }

    /// <summary>Where <see cref="IntegerDotOpsPerSecond"/> comes from.</summary>
    public string IntegerDotSource { get; init; } = "";

    /// <summary>The bandwidth probe's samples in bytes/s, when it ran (also when a datasheet figure exists, as a check).</summary>
    public Summary? MeasuredBandwidth { get; init; }

    /// <summary>True when the bandwidth ceiling is a measurement rather than a datasheet figure.</summary>
    public bool BandwidthIsMeasured => BandwidthSource.StartsWith("measured", StringComparison.Ordinal);

    /// <summary>Intensity (FLOP/byte) where the two ceilings meet; null unless both are known.</summary>
    public double? RidgeIntensity => BandwidthBytesPerSecond is > 0 && FlopsPerSecond is > 0
        ? FlopsPerSecond / BandwidthBytesPerSecond
        : null;
}
