using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// Decides the ceilings for a device: the datasheet row when <c>KnownDevices</c> has one; otherwise
/// (any CPU, any unlisted GPU) the bandwidth is measured with <see cref="BandwidthProbe"/> and
/// labelled "measured"; likewise a missing FLOP/s ceiling is measured with <see cref="ComputeProbe"/> (fp32
/// FMA throughput, labelled as such), and on CPUs the int8 dot-product ceiling with <see cref="IntegerDotProbe"/>,
/// unless the caller asks for bandwidth only.
/// </summary>
public static class DevicePeaksLookup
{
    /// <summary>The peaks of <paramref name="accelerator"/>'s device.</summary>
    /// <param name="accelerator">The device.</param>
    /// <param name="alwaysMeasure">Run the probe even when a datasheet figure exists (kept as <see cref="DevicePeaks.MeasuredBandwidth"/>, a check on the datasheet).</param>
    /// <param name="probeBytes">Bytes per probe launch (0: the probe's default).</param>
    /// <param name="measureCompute">Measure the FLOP/s ceiling when no datasheet gives one.</param>
    public static DevicePeaks For(Accelerator accelerator, bool alwaysMeasure = false, long probeBytes = 0, bool measureCompute = true)
    {
        var peaks = Bandwidth(accelerator, alwaysMeasure, probeBytes);
        if (!measureCompute) return peaks;
        if (accelerator.Info.IsCpu)
        {
            // A CPU prefill multiplies int4 weights by int8 activations: its roof is the integer dot products.
            var dot = IntegerDotProbe.Measure(accelerator);
            peaks = peaks with { IntegerDotOpsPerSecond = dot.PeakOpsPerSecond, IntegerDotSource = dot.Source };
        }
        if (peaks.FlopsPerSecond is > 0) return peaks;
        var compute = ComputeProbe.Measure(accelerator);
        return peaks with { FlopsPerSecond = compute.PeakFlopsPerSecond, FlopsSource = compute.Source };
    }

    private static DevicePeaks Bandwidth(Accelerator accelerator, bool alwaysMeasure, long probeBytes)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var info = accelerator.Info;
        // Host devices are measured even if a name matched: a CPU's DRAM speed depends on the board, not the chip.
        if (info.PeakBandwidthBytesPerSecond is null && !info.IsCpu) info = KnownDevices.WithPeaks(info);
        bool datasheet = info.PeakBandwidthBytesPerSecond is > 0 && !info.IsCpu;
        var peaks = new DevicePeaks
        {
            FlopsPerSecond = info.PeakFlopsPerSecond is > 0 ? info.PeakFlopsPerSecond : null,
            FlopsSource = info.PeakFlopsPerSecond is > 0 ? info.PeakSource : "",
        };
        if (datasheet && !alwaysMeasure)
            return peaks with { BandwidthBytesPerSecond = info.PeakBandwidthBytesPerSecond, BandwidthSource = info.PeakSource };

        var measured = BandwidthProbe.Measure(accelerator, probeBytes);
        return datasheet
            ? peaks with { BandwidthBytesPerSecond = info.PeakBandwidthBytesPerSecond, BandwidthSource = info.PeakSource, MeasuredBandwidth = measured.BytesPerSecond }
            : peaks with { BandwidthBytesPerSecond = measured.PeakBytesPerSecond, BandwidthSource = measured.Source, MeasuredBandwidth = measured.BytesPerSecond };
    }
}
