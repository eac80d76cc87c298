using System.Diagnostics;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench;

/// <summary>
/// <c>--quick</c>: a Stopwatch pass over every case (best of a few calls), for exploring kernel shapes in seconds.
/// The numbers to report come from the BenchmarkDotNet suite.
/// </summary>
public static class QuickCheck
{
    public static void Run(BackendKind backend, IReadOnlyList<string> cases, int repetitions)
    {
        using var accelerator = Accelerators.Create(backend);
        var peak = BandwidthProbe.Measure(accelerator, 256L << 20, 3);
        Console.WriteLine($"{accelerator}: peak read bandwidth {peak.PeakBytesPerSecond / 1e9:F1} GB/s ({peak.Pattern})");
        foreach (var name in cases)
        {
            using var kernelCase = KernelCase.Create(name, accelerator);
            kernelCase.Run();
            double best = double.MaxValue, bestCpu = double.MaxValue;
            var process = Process.GetCurrentProcess();
            for (int i = 0; i < repetitions; i++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                kernelCase.Run();
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                process.Refresh();
                bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu).TotalSeconds);
            }
            double gbs = kernelCase.Cost.BytesMoved / best / 1e9;
            // On a loaded machine wall time mostly measures the other processes; CPU time spread over the cores
            // estimates what the call takes with the cores to itself.
            double cpuGbs = kernelCase.Cost.BytesMoved / (bestCpu / Environment.ProcessorCount) / 1e9;
            Console.WriteLine($"{name,-30} {best * 1e3,9:F3} ms  {gbs,7:F2} GB/s  {kernelCase.Cost.Flops / best / 1e9,8:F2} GFLOP/s  {gbs * 1e9 / peak.PeakBytesPerSecond,6:P0} of peak | cpu {bestCpu * 1e3,8:F2} ms -> {cpuGbs,6:F2} GB/s on idle cores");
        }
    }
}
