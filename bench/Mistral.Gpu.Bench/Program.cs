using BenchmarkDotNet.Running;
using Mistral.Gpu.Bench;
using Mistral.Gpu.Runtime;

// dotnet run -c Release --project bench/Mistral.Gpu.Bench [-- --filter PATTERN] -> the BenchmarkDotNet suites (short job)
// dotnet run -c Release --project bench/Mistral.Gpu.Bench -- --quick [opencl|cpu] [case substring]  -> Stopwatch pass
try
{
if (args.Length > 0 && args[0] == "--quick")
{
    var backend = args.Length > 1 ? Accelerators.ParseBackend(args[1]) : BackendKind.OpenCL;
    var cases = KernelCase.Names.Where(n => args.Length < 3 || n.Contains(args[2], StringComparison.OrdinalIgnoreCase)).ToList();
    QuickCheck.Run(backend, cases, repetitions: 5);
    return;
}
// dotnet run -c Release --project bench/Mistral.Gpu.Bench -- --quick-attention [opencl|cpu] [case substring]  -> the attention cases
if (args.Length > 0 && args[0] == "--quick-attention")
{
    string backend = args.Length > 1 ? args[1] : "opencl";
    var cases = Mistral.Gpu.Bench.Attention.AttentionBenchmarks.Cases.Where(n => args.Length < 3 || n.Contains(args[2], StringComparison.OrdinalIgnoreCase)).ToList();
    Mistral.Gpu.Bench.Attention.AttentionQuickCheck.Run(backend, cases, repetitions: 10);
    return;
}
// With no arguments run every suite rather than BenchmarkDotNet's interactive menu (CI and scripts have no console).
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, BenchConfig.Create());
}
catch (BackendUnavailableException e)
{
    // The asked backend is missing: one sentence, as the CLI says it.
    Console.Error.WriteLine("error: " + e.Message);
    Environment.ExitCode = 2;
}
