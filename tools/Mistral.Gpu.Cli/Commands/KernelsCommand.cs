using System.CommandLine;
using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu kernels</c>: list every kernel variant, <c>--dump DIR</c> writes the generated
/// CUDA C and OpenCL C of each (and ILGPU's sm_90 PTX of each ILGPU-form one), <c>--check</c> compiles each on a backend.
/// </summary>
internal static class KernelsCommand
{
    public static Command Create()
    {
        var dump = new Option<DirectoryInfo?>("--dump")
        {
            Description = "Write each variant's generated source to DIR as {Class}.{Method}[.{spec}={value}...].cu and .cl, and ILGPU's PTX (sm_90, O2) of ILGPU-form kernels as .ilgpu.ptx",
            HelpName = "DIR",
        };
        var force = new Option<bool>("--force") { Description = "With --dump, overwrite files that exist with other content" };
        var check = new Option<bool>("--check") { Description = "Compile every variant on the backend and report each (exit code 1 if any fails)" };
        var backend = BackendOption.Create();

        var command = new Command("kernels", "List the kernel catalog; dump the generated device sources; compile every variant on a backend.");
        foreach (var option in new Option[] { dump, force, check, backend }) command.Options.Add(option);
        command.SetAction(parseResult =>
        {
            var definitions = KernelCatalog.All.ToList();
            if (parseResult.GetValue(dump) is { } directory)
            {
                int dumped = KernelSourceDump.Write(definitions, directory, parseResult.GetValue(force), Console.Out, Console.Error);
                if (dumped != 0) return dumped;
            }
            if (parseResult.GetValue(check))
                return BackendOption.Run(parseResult, backend, accelerator => KernelCompileCheck.Run(accelerator, definitions, Console.Out));
            if (parseResult.GetValue(dump) is null) KernelSourceDump.List(definitions, Console.Out);
            return 0;
        });
        return command;
    }
}
