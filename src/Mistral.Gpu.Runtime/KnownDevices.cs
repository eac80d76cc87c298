namespace Mistral.Gpu.Runtime;

/// <summary>
/// Datasheet peaks of common NVIDIA GPUs, so a benchmark can say what fraction of the device it
/// reaches. Matched on whole words of the driver's device name ("NVIDIA H100 80GB HBM3",
/// "Tesla V100-SXM2-16GB"); a device not listed gets no peak, and a bench measures one instead.
/// </summary>
public static class KnownDevices
{
    /// <summary>One row of the table.</summary>
    /// <param name="Words">Words that must all appear in the device name (case-insensitive).</param>
    /// <param name="BandwidthBytesPerSecond">Peak memory bandwidth.</param>
    /// <param name="Fp16FlopsPerSecond">Peak dense fp16 tensor FLOP/s (no sparsity).</param>
    /// <param name="Source">The datasheet the figures come from.</param>
    /// <param name="Excluding">Words that must not appear (a "Ti" or "NVL" variant with other figures).</param>
    public sealed record Entry(string[] Words, double BandwidthBytesPerSecond, double Fp16FlopsPerSecond, string Source, string[]? Excluding = null);

    private const double Tera = 1e12, Giga = 1e9;

    /// <summary>The table, most specific rows first (the first match wins).</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new(["H100", "PCIe"], 2.0 * Tera, 756 * Tera, "NVIDIA H100 Tensor Core GPU datasheet (PCIe)"),
        new(["H100", "HBM3"], 3.35 * Tera, 989 * Tera, "NVIDIA H100 Tensor Core GPU datasheet (SXM)", ["NVL"]),
        new(["H100", "SXM"], 3.35 * Tera, 989 * Tera, "NVIDIA H100 Tensor Core GPU datasheet (SXM)"),
        new(["H100", "SXM5"], 3.35 * Tera, 989 * Tera, "NVIDIA H100 Tensor Core GPU datasheet (SXM)"),
        new(["H200"], 4.8 * Tera, 989 * Tera, "NVIDIA H200 Tensor Core GPU datasheet (SXM)"),
        new(["A100", "40GB"], 1.555 * Tera, 312 * Tera, "NVIDIA A100 Tensor Core GPU datasheet (40GB)"),
        new(["A100", "80GB", "PCIe"], 1.935 * Tera, 312 * Tera, "NVIDIA A100 Tensor Core GPU datasheet (80GB PCIe)"),
        new(["A100", "80GB"], 2.039 * Tera, 312 * Tera, "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM)"),
        new(["L40S"], 864 * Giga, 362 * Tera, "NVIDIA L40S datasheet"),
        new(["L4"], 300 * Giga, 121 * Tera, "NVIDIA L4 Tensor Core GPU datasheet"),
        new(["RTX", "3090"], 936 * Giga, 71 * Tera, "NVIDIA Ampere GA102 GPU architecture whitepaper (RTX 3090)", ["Ti"]),
        new(["RTX", "4090"], 1008 * Giga, 165 * Tera, "NVIDIA Ada GPU architecture whitepaper (RTX 4090)", ["D"]),
        new(["V100"], 900 * Giga, 125 * Tera, "NVIDIA V100 Tensor Core GPU datasheet"),
        new(["T4"], 320 * Giga, 65 * Tera, "NVIDIA T4 Tensor Core GPU datasheet"),
        // Added for the roofline bench (dense fp16 tensor rates, sparsity excluded; GeForce rows use fp32 accumulate as the 4090 row does).
        new(["H100", "NVL"], 3.9 * Tera, 835 * Tera, "NVIDIA H100 NVL datasheet (per GPU)"),
        new(["A10"], 600 * Giga, 125 * Tera, "NVIDIA A10 Tensor Core GPU datasheet"),
        new(["RTX", "A6000"], 768 * Giga, 154.8 * Tera, "NVIDIA RTX A6000 datasheet"),
        new(["L40"], 864 * Giga, 181 * Tera, "NVIDIA L40 datasheet"),
        new(["RTX", "4080"], 716.8 * Giga, 97.5 * Tera, "NVIDIA Ada GPU architecture whitepaper (RTX 4080)", ["SUPER"]),
        new(["MI300X"], 5.3 * Tera, 1307.4 * Tera, "AMD Instinct MI300X datasheet"),
        new(["MI250X"], 3.2768 * Tera, 383 * Tera, "AMD Instinct MI250X datasheet"),
        new(["MI250"], 3.2768 * Tera, 362.1 * Tera, "AMD Instinct MI250 datasheet"),
    ];

    /// <summary>The first row matching <paramref name="deviceName"/>, or null.</summary>
    public static Entry? Find(string deviceName)
    {
        var words = deviceName.Split([' ', '-', '_', '(', ')', ','], StringSplitOptions.RemoveEmptyEntries);
        bool Has(string word) => words.Contains(word, StringComparer.OrdinalIgnoreCase);
        return All.FirstOrDefault(e => e.Words.All(Has) && !(e.Excluding ?? []).Any(Has));
    }

    /// <summary><paramref name="info"/> with its peaks filled from the table when the name matches; unchanged otherwise.</summary>
    public static AcceleratorInfo WithPeaks(AcceleratorInfo info) => Find(info.Name) is { } entry
        ? info with
        {
            PeakBandwidthBytesPerSecond = entry.BandwidthBytesPerSecond,
            PeakFlopsPerSecond = entry.Fp16FlopsPerSecond,
            PeakSource = $"datasheet: {entry.Source}",
        }
        : info;
}
