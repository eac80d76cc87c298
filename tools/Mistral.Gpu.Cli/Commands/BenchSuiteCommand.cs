using System.CommandLine;
using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu bench suite --out DIR</c>: one command that proves and measures a device (see <see cref="BenchSuite"/>),
/// for a GPU machine lent for minutes. Exit code 0 when every verification case passed, 1 when one failed, 2 for bad input.
/// </summary>
internal static class BenchSuiteCommand
{
    /// <summary>The default budget: the suite must finish well inside a short loan of a GPU machine.</summary>
    public const int DefaultBudgetSeconds = 420;

    public static Command Create()
    {
        var backend = BackendOption.Create();
        backend.Description = "cuda, opencl or cpu, or ILGPU's ilgpu-cuda, ilgpu-opencl or ilgpu-cpu (default: the best device: cuda with NVRTC, else ilgpu-cuda, then opencl, then cpu)";
        var compiler = new Option<string?>("--compiler")
        {
            Description = "On cuda or opencl: nvrtc/native (the generated CUDA C or OpenCL C) or ilgpu (ILGPU's compiler); picks the matching --backend",
            HelpName = "native|nvrtc|ilgpu",
        }.AcceptOnlyFromAmong("native", "nvrtc", "ilgpu");
        var output = new Option<string>("--out", "-o") { Description = "The report folder: created (its parent must exist); an existing folder must be empty, nothing is overwritten", Required = true, HelpName = "DIR" };
        var budget = new Option<int>("--budget-seconds") { Description = "Stop measuring at this many seconds from the start (verification always runs)", DefaultValueFactory = _ => DefaultBudgetSeconds };
        var shapes = new Option<string>("--shapes") { Description = "7b: Mistral 7B's shapes; small: a tiny model of the same architecture (CI, smoke tests)", DefaultValueFactory = _ => "7b" }
            .AcceptOnlyFromAmong([.. SuitePlan.Names]);
        var broken = new Option<bool>("--add-broken-kernel") { Description = "Also verify a deliberately broken kernel (tests the exit code)", Hidden = true };
        var command = new Command("suite", "Verify every kernel on a device, then measure it within a budget: report.md, run.json, charts and log.txt in one folder.");
        foreach (var option in new Option[] { backend, compiler, output, budget, shapes, broken }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string folder = Path.GetFullPath(parse.GetValue(output)!);
            int seconds = parse.GetValue(budget);
            string? name;
            try
            {
                if (seconds < 1) throw new ArgumentException($"--budget-seconds must be at least 1, got {seconds}.");
                name = SuiteDevice.BackendName(parse.GetValue(backend), parse.GetValue(compiler));
                SuiteFolder.Check(folder);
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                return ModelOptions.ReportError(e);
            }
            Accelerator accelerator;
            try
            {
                (accelerator, name) = SuiteDevice.Open(name);
            }
            catch (BackendUnavailableException e)
            {
                Console.Error.WriteLine($"error: --backend: {e.Message}");
                return BackendOption.UnavailableExitCode;
            }
            using (accelerator)
            using (var log = new SuiteLog())
            {
                SuiteFolder.Create(folder);
                var plan = SuitePlan.For(parse.GetValue(shapes)!, accelerator.Info.IsCpu);
                var extra = parse.GetValue(broken) ? new[] { BrokenParityCase.SwiGluMissingLastElement } : [];
                return new BenchSuite(accelerator, name, plan, seconds, log).Run(folder, extra);
            }
        });
        return command;
    }
}
