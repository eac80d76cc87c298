using System.Diagnostics;
using ILGPU.Runtime.Cuda;
using Mistral.Gpu.Runtime.Ilgpu;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// ILGPU's own compilers, without a device, on every ILGPU-form kernel of both catalogs (the project's and this
/// assembly's), every variant (specialization values) of each: PTX for sm_80 and sm_90 without local memory, and
/// OpenCL C 2.0 that clang-14 accepts.
/// </summary>
public sealed class IlgpuCompileTests : IDisposable
{
    private const string Clang = "clang-14";
    private const string Install = "apt-get install clang-14";
    private readonly IlgpuSourceCompiler compiler = new();

    public void Dispose() => compiler.Dispose();

    private static IEnumerable<KernelDefinition> IlgpuKernels =>
        Mistral.Gpu.Kernels.KernelCatalog.All.Concat(KernelCatalog.All).Where(k => k.IlgpuKernel is not null);

    /// <summary>Every variant (specialization values) of every ILGPU-form kernel, as "Name|v1,v2".</summary>
    private static IEnumerable<string> Variants =>
        IlgpuKernels.SelectMany(k => k.AllVariants().Select(v => $"{k.Name}|{string.Join(',', v)}"));

    private static (KernelDefinition Kernel, int[] Values) Variant(string variant)
    {
        var parts = variant.Split('|');
        int[] values = parts[1].Length == 0 ? [] : [.. parts[1].Split(',').Select(int.Parse)];
        return (IlgpuKernels.Single(k => k.Name == parts[0]), values);
    }

    public static TheoryData<string, int> VariantsAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (var variant in Variants)
            foreach (int sm in new[] { 80, 90 }) data.Add(variant, sm);
        return data;
    }

    public static TheoryData<string> AllVariants() => [.. Variants];

    [Fact]
    public void Every_kernel_with_group_memory_sized_by_a_specialization_has_variants_to_compile()
    {
        // The kernels ILGPU could compile only as typed launches: each variant must be listed, or the tests above miss it.
        foreach (var name in new[] { "FlashAttentionPrefill.Tile", "FlashAttentionPrefill.Rows", "FlashDecoding.Partial", "FlashDecoding.PartialRows", "ProofKernels.TiledMatMul" })
            Assert.Contains(Variants, v => v.StartsWith(name + "|", StringComparison.Ordinal) && v.Length > name.Length + 1);
    }

    [Fact]
    public void A_variant_with_the_wrong_number_of_values_is_refused_with_the_counts()
    {
        var tiled = IlgpuKernels.Single(k => k.Name == "ProofKernels.TiledMatMul");
        var error = Assert.Throws<ArgumentException>(() => compiler.Ptx(tiled, CudaArchitecture.SM_90, []));
        Assert.Contains($"has {tiled.SpecializationCount} specializations, 0 values given", error.Message);
    }

    [Fact]
    public void Group_memory_sized_by_a_specialization_becomes_static_per_variant()
    {
        var tiled = IlgpuKernels.Single(k => k.Name == "ProofKernels.TiledMatMul");
        var sizes = tiled.AllVariants().Select(v => SharedBytes(compiler.Ptx(tiled, CudaArchitecture.SM_90, v))).ToList();
        Assert.True(sizes.Distinct().Count() == sizes.Count, $"each tile size should give its own group memory size: {string.Join(", ", sizes)}");
    }

    /// <summary>Total bytes of the PTX's <c>.shared</c> arrays (<c>.shared .align A .b8 name[N];</c>).</summary>
    private static long SharedBytes(string ptx) =>
        System.Text.RegularExpressions.Regex.Matches(ptx, @"\.shared[^;\[]*\[(\d+)\]").Sum(m => long.Parse(m.Groups[1].Value));

    [Fact]
    public void Fused_multiply_add_is_one_ptx_fma()
    {
        var rotate = IlgpuKernels.Single(k => k.Name == "RotaryEmbedding.RotatePairs");
        string ptx = compiler.Ptx(rotate, CudaArchitecture.SM_90, rotate.AllVariants().First());
        Assert.Contains("fma.rn.f32", ptx);
        Assert.DoesNotContain("FusedMultiplyAdd", ptx);
    }

    [Fact]
    public void Fused_multiply_add_becomes_OpenCL_fma_not_an_undeclared_call()
    {
        // ILGPU 1.5.3 writes MathF.FusedMultiplyAdd as "FusedMultiplyAdd(...)" on OpenCL; EnableMistralKernels maps it.
        var rotate = IlgpuKernels.Single(k => k.Name == "RotaryEmbedding.RotatePairs");
        string source = compiler.OpenCL(rotate, rotate.AllVariants().First());
        Assert.Matches(@"= +fma ?\(", source);
        Assert.DoesNotContain("FusedMultiplyAdd", source);
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
    [MemberData(nameof(VariantsAndArchitectures))]
    public void Ptx_has_an_entry_and_no_local_memory(string variant, int sm)
    {
        var architecture = sm == 90 ? CudaArchitecture.SM_90 : CudaArchitecture.SM_80;
        var (kernel, values) = Variant(variant);
        string ptx = compiler.Ptx(kernel, architecture, values);
        // Found when testing: ILGPU 1.5.3 targets sm_80 for every newer architecture (its PTX for sm_90 is the sm_80 PTX,
        // which the driver JIT-compiles for the newer GPU), so the target is the request capped at sm_80.
        Assert.Contains($".target sm_{Math.Min(sm, 80)}", ptx);
        Assert.Contains(".entry ", ptx);
        Assert.DoesNotContain(".local", ptx);
        // A call to an undefined function links on no driver (found: ILGPU's MathF.FusedMultiplyAdd).
        Assert.DoesNotContain(".extern .func", ptx);
    }

    [Fact]
    public void Ptx_of_the_reduction_keeps_its_shuffles_barrier_and_shared_memory()
    {
        string ptx = compiler.Ptx(IlgpuTestKernels.ScaledGroupSumsKernel.Definition, CudaArchitecture.SM_90, IlgpuTestKernels.ScaledGroupSumsKernel.Definition.AllVariants().First());
        Assert.Contains("shfl.sync", ptx);
        Assert.Contains("bar.sync", ptx);
        Assert.Contains(".shared", ptx);
    }

    [Theory]
    [InlineData("MmaProbe.Tile", 80)]
    [InlineData("MmaProbe.Tile", 90)]
    [InlineData("Int4MmaGemm.Gemm", 80)]
    [InlineData("Int4MmaGemm.Gemm", 90)]
    [InlineData("FlashAttentionPrefill.TileMma", 80)]
    [InlineData("FlashAttentionPrefill.TileMma", 90)]
    public void Tensor_core_kernels_use_mma_sync_and_pack_halves_in_one_instruction(string name, int sm)
    {
        var kernel = IlgpuKernels.Single(k => k.Name == name);
        foreach (var values in kernel.AllVariants())
        {
            string ptx = compiler.Ptx(kernel, sm == 90 ? CudaArchitecture.SM_90 : CudaArchitecture.SM_80, values);
            Assert.Contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", ptx);
            // The shuffle form (32 shuffles per tile) would mean the intrinsic fell back on a GPU that has tensor cores; the
            // attention's own shuffles are its quad reductions of the row max and sum (2 x 2 each).
            int shuffles = System.Text.RegularExpressions.Regex.Count(ptx, @"shfl\.sync");
            Assert.True(shuffles <= (name == "FlashAttentionPrefill.TileMma" ? 8 : 0), $"{name}: {shuffles} shfl.sync");
            Assert.DoesNotContain(".local", ptx);
            Assert.DoesNotContain(".extern .func", ptx);
            if (name != "MmaProbe.Tile") Assert.Contains("cvt.rn.f16x2.f32", ptx);
        }
    }

    [Fact]
    public void Int4_gemv_loads_its_weights_with_128_bit_global_loads()
    {
        var gemv = IlgpuKernels.Single(k => k.Name == "Int4MatMul.GemvWarp");
        string ptx = compiler.Ptx(gemv, CudaArchitecture.SM_90, gemv.AllVariants().First());
        // At O2 ILGPU turns the kernel's Cast<UInt4>() loads into global vector loads; a generic ld.v4 would mean it lost the address space.
        Assert.Matches(@"ld\.global(\.nc)?\.v4\.(b|u)32", ptx);
        Assert.DoesNotMatch(@"\bld\.v4", ptx);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(90)]
    public void Int4_dp4a_gemv_uses_dp4a_and_128_bit_weight_and_activation_loads(int sm)
    {
        var gemv = IlgpuKernels.Single(k => k.Name == "Int4MatMul.GemvDp4a");
        foreach (var values in gemv.AllVariants())
        {
            string ptx = compiler.Ptx(gemv, sm == 90 ? CudaArchitecture.SM_90 : CudaArchitecture.SM_80, values);
            string variant = string.Join(',', values);
            // The intrinsic, not its byte products (which would be shifts, sign extensions and multiplies).
            Assert.True(ptx.Contains("dp4a.s32.s32", StringComparison.Ordinal), $"{variant}: no dp4a.s32.s32");
            // ILGPU 1.5.3 writes no .nc (read-only path) on any load; the translation's const __restrict__ gets it.
            Assert.Matches(@"ld\.global(\.nc)?\.v4\.(b|u)32", ptx);
            Assert.Matches(@"ld\.shared\.v4\.(b|u)32", ptx);
            // The prologue reads x with 128-bit loads too (coalesced: 512 bytes per warp instruction).
            Assert.Matches(@"ld\.global(\.nc)?\.v4\.f32", ptx);
            Assert.DoesNotContain(".local", ptx);
        }
    }

    [Fact]
    public void A_kernel_that_takes_a_context_cannot_be_compiled_and_says_which()
    {
        var error = Assert.Throws<NotSupportedException>(() => compiler.Ptx(HandWrittenKernels.AddScalar, CudaArchitecture.SM_90));
        Assert.Contains("HandWritten.AddScalar", error.Message);
        Assert.Contains("KernelContext", error.Message);
    }

    [RequiresToolTheory(Clang, Install)]
    [MemberData(nameof(AllVariants))]
    public void OpenCL_C_compiles_with_clang_as_OpenCL_2_0(string variant)
    {
        var (kernel, values) = Variant(variant);
        var (exitCode, output) = ClangOpenCL20(compiler.OpenCL(kernel, values));
        Assert.True(exitCode == 0, $"clang rejected ILGPU's OpenCL C of {variant}:\n{output}");
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
        string source = compiler.OpenCL(IlgpuTestKernels.ScaledGroupSumsKernel.Definition, IlgpuTestKernels.ScaledGroupSumsKernel.Definition.AllVariants().First());
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
