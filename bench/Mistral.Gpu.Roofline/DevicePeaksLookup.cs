using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// Decides the ceilings for a device: the datasheet row when <c>KnownDevices</c> has one; otherwise
/// (any CPU, any unlisted GPU) the bandwidth is measured with <see cref="BandwidthProbe"/> and
/// labelled "measured". A FLOP/s ceiling is never measured or guessed: without a datasheet it stays unknown.
/// </summary>
public static class DevicePeaksLookup
{
    /// <summary>The peaks of <paramref name="accelerator"/>'s device.</summary>
    /// <param name="accelerator">The device.</param>
    /// <param name="alwaysMeasure">Run the probe even when a datasheet figure exists (kept as <see cref="DevicePeaks.MeasuredBandwidth"/>, a check on the datasheet).</param>
    /// <param name="probeBytes">Bytes per probe launch (0: the probe's default).</param>
    public static DevicePeaks For(Accelerator accelerator, bool alwaysMeasure = false, long probeBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var info = accelerator.Info;
        // Host devices are measured even if a name matched: a CPU's DRAM speed depends on the board, not the chip.
        if (info.PeakBandwidthBytesPerSecond is null && !BandwidthProbe.IsHostMemory(info)) info = KnownDevices.WithPeaks(info);
        bool datasheet = info.PeakBandwidthBytesPerSecond is > 0 && !BandwidthProbe.IsHostMemory(info);
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
