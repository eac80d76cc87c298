using System.Diagnostics;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench.Attention;

/// <summary>
/// <c>--quick-attention</c>: a Stopwatch pass over the attention cases (best of several calls, wall clock and the
/// process's CPU time), for exploring in seconds; the numbers to report come from the BenchmarkDotNet suite.
/// </summary>
public static class AttentionQuickCheck
{
    public static void Run(string backend, IReadOnlyList<string> cases, int repetitions)
    {
        var probe = Accelerators.Create(Accelerators.ParseBackend(backend));
        double peak;
        try
        {
            peak = BandwidthProbe.Measure(probe, 256L << 20, 3).PeakBytesPerSecond;
            Console.WriteLine($"{probe}: peak read bandwidth {peak / 1e9:F1} GB/s (MemoryRead, 256 MiB, best of 3)");
        }
        finally
        {
            probe.Dispose();
        }
        Console.WriteLine($"{"case",-22} {"ms (best)",10} {"GB/s",7} {"GFLOP/s",8} {"% peak",7} | {"cpu ms",8} {"GB/s on idle cores",18}");
        var process = Process.GetCurrentProcess();
        foreach (var name in cases)
        {
            var bench = new AttentionBenchmarks { Backend = backend, AttentionCase = name };
            bench.Setup();
            try
            {
                double best = double.MaxValue, bestCpu = double.MaxValue;
                for (int i = 0; i < repetitions; i++)
                {
                    process.Refresh();
                    var cpu = process.TotalProcessorTime;
                    long start = Stopwatch.GetTimestamp();
                    bench.Call();
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                    process.Refresh();
                    bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu).TotalSeconds);
                }
                var cost = AttentionBenchmarks.CostOf(name);
                double gbs = cost.BytesMoved / best / 1e9;
                // CPU time spread over the cores: what the call takes with the machine to itself.
                double cpuGbs = cost.BytesMoved / (bestCpu / Environment.ProcessorCount) / 1e9;
                Console.WriteLine($"{name,-22} {best * 1e3,10:F3} {gbs,7:F2} {cost.Flops / best / 1e9,8:F2} {gbs * 1e9 / peak,7:P0} | {bestCpu * 1e3,8:F2} {cpuGbs,18:F2}");
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }
}
