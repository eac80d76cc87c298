using System.Diagnostics;
using System.Text.RegularExpressions;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The CUDA translation of the int4 kernels, compiled to PTX by clang for sm_80: the weight loads must be single
/// 128-bit global loads (<c>ld.global[.nc].v4</c>) and nothing may spill to local memory.
/// </summary>
public sealed class MatMulPtxTests
{
    public static TheoryData<string, int> Kernels() => new()
    {
        { "GemvWarp", 32 },
        { "GemvWarp", 128 },
        { "GemmWarp", 32 },
        { "GemmWarp", 128 },
    };

    private static KernelDefinition Definition(string kernel) => kernel switch
    {
        "GemvWarp" => Int4MatMul.GemvWarpKernel.Definition,
        "GemmWarp" => Int4MatMul.GemmWarpKernel.Definition,
        _ => throw new ArgumentException(kernel, nameof(kernel)),
    };

    [RequiresToolFact("clang-14", "apt-get install clang-14")]
    public void Int4_kernels_use_128_bit_loads_and_no_local_memory()
    {
        foreach (var row in Kernels())
        {
            string kernel = (string)row[0];
            int groupSize = (int)row[1];
            // The GEMV also with its SwiGLU epilogue (swiGlu = 1).
            foreach (int[] values in kernel == "GemvWarp" ? new[] { new[] { groupSize, 0 }, [groupSize, 1] } : [[groupSize]])
            {
                string ptx = CompileToPtx(Definition(kernel).SourceFor(KernelDialect.Cuda, values), $"{kernel}{string.Join("-", values)}");
                Assert.True(Regex.IsMatch(ptx, @"ld\.global(\.nc)?\.v4\.(u32|b32|f32)"), $"{kernel} {string.Join(",", values)}: no 128-bit global load in the PTX.");
                Assert.DoesNotContain(".local", ptx);
            }
        }
    }

    [RequiresToolFact("clang-14", "apt-get install clang-14")]
    public void Int4_gemv_loads_each_chunk_with_one_v4_load()
    {
        // Per chunk: one 128-bit weight load (two with the SwiGLU epilogue's up row) and eight 128-bit x loads.
        foreach (int swiGlu in new[] { 0, 1 })
        {
            string ptx = CompileToPtx(Int4MatMul.GemvWarpKernel.Definition.SourceFor(KernelDialect.Cuda, [32, swiGlu]), $"GemvWarp32s{swiGlu}count");
            int vectorLoads = Regex.Matches(ptx, @"ld\.global(\.nc)?\.v4\.").Count;
            Assert.True(vectorLoads >= 9 + swiGlu, $"swiGlu {swiGlu}: expected at least {9 + swiGlu} v4 loads in the loop body, found {vectorLoads}");
        }
    }

    [RequiresToolFact("clang-14", "apt-get install clang-14")]
    public void Int4_dp4a_gemv_uses_dp4a_and_128_bit_weight_and_shared_loads()
    {
        foreach (int groupSize in new[] { 32, 128 })
            foreach (int swiGlu in new[] { 0, 1 })
            {
                string name = $"GemvDp4a{groupSize}s{swiGlu}";
                string ptx = CompileToPtx(Int4MatMul.GemvDp4aKernel.Definition.SourceFor(KernelDialect.Cuda, [groupSize, swiGlu]), name);
                Assert.True(ptx.Contains("dp4a.s32.s32", StringComparison.Ordinal), $"{name}: no dp4a.s32.s32");
                Assert.True(Regex.IsMatch(ptx, @"ld\.global\.nc\.v4\.(u32|b32)"), $"{name}: no 128-bit read-only weight load.");
                Assert.True(Regex.IsMatch(ptx, @"ld\.shared\.v4\.(u32|b32)"), $"{name}: no 128-bit shared activation load.");
                Assert.DoesNotContain(".local", ptx);
            }
    }

    private static string CompileToPtx(string source, string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mistral-gpu-ptx-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string cu = Path.Combine(dir, name + ".cu"), ptx = Path.Combine(dir, name + ".ptx");
        File.WriteAllText(cu, source);
        var info = new ProcessStartInfo("clang-14")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_80", "-O3", "-S", cu, "-o", ptx })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        try
        {
            Assert.True(process.ExitCode == 0, $"clang-14 failed on {name}:{Environment.NewLine}{stderr}{stdout}");
            return File.ReadAllText(ptx);
        }
        finally
        {
            File.Delete(cu);
            File.Delete(ptx);
        }
    }
}
