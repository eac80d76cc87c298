using System.CommandLine;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// The shared <c>--backend cuda|opencl|cpu|ilgpu-cuda|ilgpu-opencl|ilgpu-cpu</c> option. Without it, <c>MISTRAL_GPU_BACKEND</c>
/// decides, then the best backend with a device. A backend that cannot run here becomes one line
/// on stderr and exit code 2, never a stack trace.
/// </summary>
internal static class BackendOption
{
    /// <summary>Exit code when the asked backend has no device here.</summary>
    public const int UnavailableExitCode = 2;

    /// <summary>A new option instance for one command.</summary>
    public static Option<string?> Create() => new Option<string?>("--backend", "-b")
    {
        Description = $"cuda, opencl or cpu, or ILGPU's ilgpu-cuda, ilgpu-opencl or ilgpu-cpu (default: ${Accelerators.BackendVariable}, then the best of cuda, opencl, cpu)",
        HelpName = string.Join('|', Accelerators.BackendNames),
    }.AcceptOnlyFromAmong([.. Accelerators.BackendNames]);

    /// <summary>Opens the chosen accelerator, runs <paramref name="body"/> on it and disposes it.</summary>
    public static int Run(ParseResult parseResult, Option<string?> option, Func<Accelerator, int> body)
    {
        Accelerator accelerator;
        try
        {
            accelerator = Open(parseResult.GetValue(option));
        }
        catch (BackendUnavailableException e)
        {
            Console.Error.WriteLine($"error: --backend: {e.Message}");
            return UnavailableExitCode;
        }
        catch (ArgumentException e)
        {
            // Only a bad MISTRAL_GPU_BACKEND gets here (--backend is checked by the parser); say where it came from.
            Console.Error.WriteLine($"error: {Accelerators.BackendVariable}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "")}");
            return UnavailableExitCode;
        }
        using (accelerator) return body(accelerator);
    }

    private static Accelerator Open(string? name) =>
        Accelerators.Create(string.IsNullOrEmpty(name) ? null : Accelerators.ParseBackend(name));
}
