using System.CommandLine;
using System.Globalization;
using Mistral.Gpu.Runtime;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary><c>mistral-gpu devices</c>: every backend's devices, with datasheet peaks where known, or why the backend cannot run here.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the devices of every backend (CUDA, OpenCL, CPU, and ILGPU's), or why a backend is unavailable or skips a device.");
        command.SetAction(_ =>
        {
            var probes = Accelerators.Probe();
            // Redirected output has no terminal width; Spectre would wrap at 80 columns and split every cell.
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 240;
            AnsiConsole.Write(Table(probes));
            foreach (var probe in probes.Where(p => p.UnavailableReason is not null))
                AnsiConsole.MarkupLine($"[yellow]{probe.Backend} unavailable:[/] {Markup.Escape(probe.UnavailableReason!)}");
            foreach (var probe in probes.Where(p => p.SkippedDevices is not null))
                AnsiConsole.MarkupLine($"[yellow]{probe.Backend} skips:[/] {Markup.Escape(probe.SkippedDevices!)}");
            return 0;
        });
        return command;
    }

    private static Table Table(IReadOnlyList<BackendProbe> probes)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in new[] { "Backend", "Device", "Memory", "Compute units", "Max group", "Local mem", "Peak GB/s", "Peak TFLOP/s", "Peak source" })
            table.AddColumn(new TableColumn(header));
        foreach (var probe in probes)
        {
            if (probe.Devices.Count == 0)
                table.AddRow(probe.Backend.ToString(), "[grey]unavailable (see below)[/]", "", "", "", "", "", "", "");
            foreach (var device in probe.Devices)
            {
                table.AddRow(
                    probe.Backend.ToString(),
                    Markup.Escape(device.Name) + (device.ComputeCapability.Length > 0 ? $" (sm {device.ComputeCapability})" : ""),
                    Size(device.MemoryBytes),
                    device.ComputeUnits.ToString(CultureInfo.InvariantCulture),
                    device.MaxGroupSize.ToString(CultureInfo.InvariantCulture),
                    Size(device.SharedMemoryBytes),
                    device.PeakBandwidthBytesPerSecond is { } bandwidth ? (bandwidth / 1e9).ToString("0", CultureInfo.InvariantCulture) : "-",
                    device.PeakFlopsPerSecond is { } flops ? (flops / 1e12).ToString("0", CultureInfo.InvariantCulture) : "-",
                    Markup.Escape(device.PeakSource.Length > 0 ? device.PeakSource : "unknown (a bench measures)"));
            }
        }
        return table;
    }

    private static string Size(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB";
}
