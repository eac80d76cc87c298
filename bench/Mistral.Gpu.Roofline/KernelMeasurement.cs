namespace Mistral.Gpu.Roofline;

/// <summary>
/// One kernel timed by device events, with its compulsory cost and what that makes of the time:
/// achieved bandwidth and FLOP rate, and the fraction of each device ceiling.
/// </summary>
public sealed record KernelMeasurement
{
    /// <summary>The kernel's name.</summary>
    public required string Kernel { get; init; }

    /// <summary>The shape it ran at.</summary>
    public required string Shape { get; init; }

    /// <summary>Launches of this kernel and shape in the measured unit (a decode step: once per layer); 1 for a single-kernel suite.</summary>
    public int Calls { get; init; } = 1;

    /// <summary>Bytes read by one launch.</summary>
    public long BytesRead { get; init; }

    /// <summary>Bytes written by one launch.</summary>
    public long BytesWritten { get; init; }

    /// <summary>FLOPs of one launch.</summary>
    public double Flops { get; init; }

    /// <summary>Device milliseconds of one launch.</summary>
    public required Summary Milliseconds { get; init; }

    /// <summary>Median milliseconds of all <see cref="Calls"/> launches together.</summary>
    public double TotalMilliseconds { get; init; }

    /// <summary>Fraction of the measured unit (the decode step) spent here; null for single-kernel suites.</summary>
    public double? ShareOfStep { get; init; }

    /// <summary>Bytes moved per second of device time, in GB/s (10^9).</summary>
    public double GigabytesPerSecond { get; init; }

    /// <summary>FLOPs per second of device time, in GFLOP/s (10^9).</summary>
    public double GigaflopsPerSecond { get; init; }

    /// <summary>Achieved bandwidth over the device's peak bandwidth; null when the peak is unknown.</summary>
    public double? FractionOfPeakBandwidth { get; init; }

    /// <summary>Achieved FLOP rate over the device's peak; null when the peak is unknown.</summary>
    public double? FractionOfPeakFlops { get; init; }

    /// <summary>Bytes moved by one launch.</summary>
    public long BytesMoved => BytesRead + BytesWritten;

    /// <summary>FLOPs per byte moved.</summary>
    public double ArithmeticIntensity => BytesMoved == 0 ? 0 : Flops / BytesMoved;

    /// <summary>
    /// Combines a cost with measured per-launch times. Rates use the median time; fractions of peak
    /// are left null where the device has no ceiling rather than guessed.
    /// </summary>
    public static KernelMeasurement From(KernelCost cost, Summary milliseconds, DevicePeaks peaks, int calls = 1, double? stepMilliseconds = null)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(milliseconds);
        ArgumentNullException.ThrowIfNull(peaks);
        double seconds = milliseconds.Median / 1e3;
        double bytesPerSecond = seconds > 0 ? cost.BytesMoved / seconds : 0;
        double flopsPerSecond = seconds > 0 ? cost.Flops / seconds : 0;
        double total = milliseconds.Median * calls;
        return new KernelMeasurement
        {
            Kernel = cost.Kernel,
            Shape = cost.Shape,
            Calls = calls,
            BytesRead = cost.BytesRead,
            BytesWritten = cost.BytesWritten,
            Flops = cost.Flops,
            Milliseconds = milliseconds,
            TotalMilliseconds = total,
            ShareOfStep = stepMilliseconds is > 0 ? total / stepMilliseconds : null,
            GigabytesPerSecond = bytesPerSecond / 1e9,
            GigaflopsPerSecond = flopsPerSecond / 1e9,
            FractionOfPeakBandwidth = peaks.BandwidthBytesPerSecond is > 0 ? bytesPerSecond / peaks.BandwidthBytesPerSecond : null,
            FractionOfPeakFlops = peaks.FlopsPerSecond is > 0 ? flopsPerSecond / peaks.FlopsPerSecond : null,
        };
    }
}
