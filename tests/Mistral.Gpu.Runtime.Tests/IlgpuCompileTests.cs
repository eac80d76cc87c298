using System.Diagnostics;
using ILGPU.Runtime.Cuda;
using Mistral.Gpu.Runtime.Ilgpu;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// ILGPU's own compilers, without a device, on every ILGPU-form kernel of both catalogs (the project's and this
/// assembly's), so each kernel the lead ports is covered the day it is ported: PTX for sm_80 and sm_90 without local
/// memory, and OpenCL C 2.0 that clang-14 accepts.
/// </summary>
public sealed class IlgpuCompileTests : IDisposable
{
    private const string Clang = "clang-14";
    private const string Install = "apt-get install clang-14";
    private readonly IlgpuSourceCompiler compiler = new();

    public void Dispose() => compiler.Dispose();

    private static IEnumerable<KernelDefinition> IlgpuKernels =>
        Mistral.Gpu.Kernels.KernelCatalog.All.Concat(KernelCatalog.All).Where(k => k.IlgpuKernel is not null);

    /// <summary>
    /// Kernels whose group memory is sized by a specialization (<c>16 * headDim</c>): ILGPU fixes a
    /// <c>SpecializedValue</c> only through its typed launchers (at most 15 parameters; these have 16-17), so compiled
    /// untyped, without a value, the allocation size is dynamic and ILGPU refuses it. The translator is not affected.
    /// </summary>
    private static readonly string[] SizedBySpecialization =
        ["FlashAttentionPrefill.Tile", "FlashAttentionPrefill.Rows", "FlashDecoding.Partial", "FlashDecoding.PartialRows", "ProofKernels.TiledMatMul"];

    /// <summary>Kernels that call <c>KMath.Fma</c> (<c>MathF.FusedMultiplyAdd</c>): ILGPU 1.5.3's OpenCL backend writes it as an undeclared <c>FusedMultiplyAdd</c> (its PTX has <c>fma</c>).</summary>
    private static readonly string[] FusedMultiplyAddOnOpenCL =
        ["FlashAttentionPrefill.Tile", "FlashDecoding.Combine", "FmaThroughputKernels.FmaThroughput", "RotaryEmbedding.RotatePairs", "MyKernels.AxpyAndSum"];

    public static TheoryData<string, int> KernelsAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (var kernel in IlgpuKernels.Where(k => !SizedBySpecialization.Contains(k.Name)))
            foreach (int sm in new[] { 80, 90 }) data.Add(kernel.Name, sm);
        return data;
    }

    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in IlgpuKernels.Where(k => !SizedBySpecialization.Contains(k.Name) && !FusedMultiplyAddOnOpenCL.Contains(k.Name)))
            data.Add(kernel.Name);
        return data;
    }

    public static TheoryData<string> SizedBySpecializationNames() => [.. SizedBySpecialization];

    public static TheoryData<string> FusedMultiplyAddNames() => [.. FusedMultiplyAddOnOpenCL.Except(SizedBySpecialization)];

    /// <summary>ILGPU's gap, pinned: when a fix makes these compile, this fails and the kernel joins the tests above.</summary>
    [Theory]
    [MemberData(nameof(SizedBySpecializationNames))]
    public void Group_memory_sized_by_a_specialization_is_refused_untyped(string name)
    {
        var error = Assert.ThrowsAny<Exception>(() => compiler.Ptx(IlgpuKernels.Single(k => k.Name == name), CudaArchitecture.SM_80));
        Assert.Contains("must be statically known", error.ToString());
    }

    /// <summary>ILGPU's OpenCL gap, pinned: clang rejects the undeclared FusedMultiplyAdd until ILGPU maps it.</summary>
    [RequiresToolTheory(Clang, Install)]
    [MemberData(nameof(FusedMultiplyAddNames))]
    public void Fused_multiply_add_has_no_OpenCL_mapping_in_ilgpu(string name)
    {
        string source = compiler.OpenCL(IlgpuKernels.Single(k => k.Name == name));
        Assert.Contains("FusedMultiplyAdd", source);
        Assert.NotEqual(0, ClangOpenCL20(source).ExitCode);
    }

    [Fact]
    public void The_catalogs_hold_ilgpu_kernels_with_their_methods()
    {
        var names = IlgpuKernels.Select(k => k.Name).ToList();
        Assert.Contains("ProofKernels.VectorAdd", names);
        Assert.Contains("IlgpuTestKernels.ScaledGroupSums", names);
        var vectorAdd = Mistral.Gpu.Kernels.Proof.ProofKernels.VectorAddKernel.Definition.IlgpuKernel!;
        Assert.Equal(typeof(Mistral.Gpu.Kernels.Proof.ProofKernels), vectorAdd.DeclaringType);
        Assert.Equal("VectorAdd", vectorAdd.Name);
        Assert.Null(HandWrittenKernels.AddScalar.IlgpuKernel);
    }

    [Theory]
    [MemberData(nameof(KernelsAndArchitectures))]
    public void Ptx_has_an_entry_and_no_local_memory(string name, int sm)
    {
        var architecture = sm == 90 ? CudaArchitecture.SM_90 : CudaArchitecture.SM_80;
        string ptx = compiler.Ptx(IlgpuKernels.Single(k => k.Name == name), architecture);
        // Found when testing: ILGPU 1.5.3 targets sm_80 for every newer architecture (its PTX for sm_90 is the sm_80 PTX,
        // which the driver JIT-compiles for the newer GPU), so the target is the request capped at sm_80.
        Assert.Contains($".target sm_{Math.Min(sm, 80)}", ptx);
        Assert.Contains(".entry ", ptx);
        Assert.DoesNotContain(".local", ptx);
    }

    [Fact]
    public void Ptx_of_the_reduction_keeps_its_shuffles_barrier_and_shared_memory()
    {
        string ptx = compiler.Ptx(IlgpuTestKernels.ScaledGroupSumsKernel.Definition, CudaArchitecture.SM_90);
        Assert.Contains("shfl.sync", ptx);
        Assert.Contains("bar.sync", ptx);
        Assert.Contains(".shared", ptx);
    }

    [Fact]
    public void A_kernel_that_takes_a_context_cannot_be_compiled_and_says_which()
    {
        var error = Assert.Throws<NotSupportedException>(() => compiler.Ptx(HandWrittenKernels.AddScalar, CudaArchitecture.SM_90));
        Assert.Contains("HandWritten.AddScalar", error.Message);
        Assert.Contains("KernelContext", error.Message);
    }

    [RequiresToolTheory(Clang, Install)]
    [MemberData(nameof(KernelNames))]
    public void OpenCL_C_compiles_with_clang_as_OpenCL_2_0(string name)
    {
        var (exitCode, output) = ClangOpenCL20(compiler.OpenCL(IlgpuKernels.Single(k => k.Name == name)));
        Assert.True(exitCode == 0, $"clang rejected ILGPU's OpenCL C of {name}:\n{output}");
    }

    private static (int ExitCode, string Output) ClangOpenCL20(string source)
    {
        var directory = Directory.CreateTempSubdirectory("mgpu-ilgpu-cl-");
        try
        {
            string file = Path.Combine(directory.FullName, "kernel.cl");
            File.WriteAllText(file, source);
            // ILGPU writes shuffles as Intel sub-group calls; clang declares them only with the extension macro and its full header.
            string header = Path.Combine(Run(Clang, "-print-resource-dir").Output.Trim(), "include", "opencl-c.h");
            return Run(Clang, $"-x cl -cl-std=CL2.0 -Dcl_intel_subgroups=1 -include \"{header}\" -target spir64 -c -emit-llvm -o \"{file}.bc\" \"{file}\"");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void OpenCL_C_of_the_reduction_uses_sub_group_reductions()
    {
        string source = compiler.OpenCL(IlgpuTestKernels.ScaledGroupSumsKernel.Definition);
        Assert.Contains("sub_group_reduce_add", source);
        Assert.Contains("barrier", source);
    }

    private static (int ExitCode, string Output) Run(string tool, string arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
