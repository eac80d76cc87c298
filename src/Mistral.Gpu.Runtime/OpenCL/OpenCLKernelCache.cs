using System.Text;

namespace Mistral.Gpu.Runtime.OpenCL;

/// <summary>
/// Builds each (kernel, specialization values) variant once per accelerator and keeps its program
/// and cl_kernel until the accelerator is disposed. Drivers (PoCL included) keep their own binary
/// caches on disk, so a second process pays little for the same source.
/// </summary>
internal sealed unsafe class OpenCLKernelCache(ClContextHandle context, nint device) : IDisposable
{
    /// <summary>
    /// OpenCL 1.2 so every ICD accepts the source; mad-enable lets a*b+c fuse. No
    /// -cl-fast-relaxed-math: it assumes no NaN/Inf, which breaks the -inf masks of attention softmax.
    /// </summary>
    public const string BuildOptions = "-cl-std=CL1.2 -cl-mad-enable";

    private readonly KernelVariants<(ClProgramHandle Program, ClKernelHandle Kernel)> compiled = new();

    /// <summary>The cl_kernel for the variant, built on first use.</summary>
    /// <exception cref="KernelCompilationException">The driver rejected the source; the log names the kernel and carries the build log.</exception>
    public nint Get(KernelDefinition kernel, ReadOnlySpan<int> specializationValues) =>
        compiled.GetOrBuild(kernel, specializationValues, this, static (self, k, values) => self.Build(k, values)).Kernel.Value;

    /// <summary>Number of variants built so far.</summary>
    public int Count => compiled.Count;

    private (ClProgramHandle, ClKernelHandle) Build(KernelDefinition kernel, IReadOnlyList<int> values)
    {
        string label = kernel.VariantLabel(values);
        byte[] source = Encoding.UTF8.GetBytes(kernel.SourceFor(KernelDialect.OpenCL, values));
        int status;
        nint rawProgram;
        fixed (byte* text = source)
        {
            byte* strings = text;
            nuint length = (nuint)source.Length;
            rawProgram = ClApi.clCreateProgramWithSource(context.Value, 1, &strings, &length, &status);
        }
        ClErrors.Check(status, "clCreateProgramWithSource");
        var program = new ClProgramHandle(rawProgram);
        try
        {
            nint dev = device;
            fixed (byte* options = Encoding.ASCII.GetBytes(BuildOptions + "\0"))
                status = ClApi.clBuildProgram(program.Value, 1, &dev, options, 0, 0);
            if (status != ClConstants.Success)
            {
                string log = BuildLog(program.Value);
                throw new KernelCompilationException(kernel.Name, BackendKind.OpenCL,
                    $"kernel {label} (entry point {kernel.EntryPoint}): clBuildProgram returned {ClErrors.Name(status)} with options '{BuildOptions}'.{Environment.NewLine}{log}");
            }
            nint rawKernel;
            fixed (byte* name = Encoding.ASCII.GetBytes(kernel.EntryPoint + "\0"))
                rawKernel = ClApi.clCreateKernel(program.Value, name, &status);
            if (status != ClConstants.Success)
                throw new KernelCompilationException(kernel.Name, BackendKind.OpenCL,
                    $"kernel {label}: the program built but clCreateKernel('{kernel.EntryPoint}') returned {ClErrors.Name(status)}; the source must define __kernel void {kernel.EntryPoint}(...).");
            return (program, new ClKernelHandle(rawKernel));
        }
        catch
        {
            program.Dispose();
            throw;
        }
    }

    private string BuildLog(nint program)
    {
        nuint size;
        if (ClApi.clGetProgramBuildInfo(program, device, ClConstants.ProgramBuildLog, 0, null, &size) != ClConstants.Success || size == 0)
            return "(the driver returned no build log)";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (ClApi.clGetProgramBuildInfo(program, device, ClConstants.ProgramBuildLog, size, b, null) != ClConstants.Success)
                return "(the driver's build log could not be read)";
        string log = Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
        return log.Length == 0 ? "(the driver returned an empty build log)" : log;
    }

    public void Dispose()
    {
        foreach (var (program, kernel) in compiled.TakeAll())
        {
            kernel.Dispose();
            program.Dispose();
        }
    }
}
