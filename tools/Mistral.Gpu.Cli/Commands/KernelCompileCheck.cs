using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>Compiles every variant of every kernel on one accelerator and reports each, like a compiler's test suite.</summary>
internal static class KernelCompileCheck
{
    private const int LogLinesShown = 6;

    /// <returns>0 when every variant compiled, 1 otherwise.</returns>
    public static int Run(Accelerator accelerator, IReadOnlyList<KernelDefinition> kernels, TextWriter output)
    {
        output.WriteLine($"Compiling on {accelerator.Info.Backend}: {accelerator.Info.Name}");
        int failed = 0, total = 0;
        foreach (var kernel in kernels)
        {
            foreach (var variant in kernel.AllVariants())
            {
                total++;
                string label = kernel.VariantLabel(variant);
                try
                {
                    accelerator.Compile(kernel, variant);
                    output.WriteLine($"ok      {label}");
                }
                catch (Exception e) when (e is KernelCompilationException or InvalidOperationException or ArgumentException
                                              or NotSupportedException or Runtime.OpenCL.OpenCLException or Runtime.Cuda.CudaException)
                {
                    failed++;
                    string log = e is KernelCompilationException compilation ? compilation.Log : e.Message;
                    output.WriteLine($"FAILED  {label}");
                    foreach (var line in log.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Take(LogLinesShown))
                        output.WriteLine($"        {line}");
                }
            }
        }
        output.WriteLine(failed == 0 ? $"All {total} variants compiled." : $"{failed} of {total} variants FAILED.");
        return failed == 0 ? 0 : 1;
    }
}
