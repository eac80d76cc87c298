using System.Diagnostics;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Runtime;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// Every attention-family kernel's CUDA translation, each headDim variant, compiles to PTX for sm_80 without
/// local-memory traffic: per-lane state must stay in registers (no spills, no stack arrays).
/// </summary>
public sealed class AttentionPtxTests
{
    private static readonly string? Clang = ToolLocator.Find("clang-14");

    public static IEnumerable<KernelDefinition> Kernels =>
    [
        RotaryEmbedding.RotatePairsKernel.Definition,
        RotatingKvCache.WriteKernel.Definition,
        FlashAttentionPrefill.TileKernel.Definition,
        FlashDecoding.PartialKernel.Definition,
    ];

    [RequiresToolFact("clang-14", "apt-get install clang-14")]
    public void Attention_kernels_compile_to_ptx_without_local_memory()
    {
        var failures = new List<string>();
        int compiled = 0;
        foreach (var definition in Kernels)
            foreach (var variant in definition.AllVariants())
            {
                string label = $"{definition.Name}[{string.Join(",", variant)}]";
                string ptx = CompileToPtx(definition.SourceFor(KernelDialect.Cuda, variant), out string log);
                compiled++;
                if (ptx.Length == 0) failures.Add($"{label}: clang failed:\n{log}");
                else if (ptx.Contains(".local") || ptx.Contains("ld.local") || ptx.Contains("st.local"))
                    failures.Add($"{label}: PTX uses local memory (spills or a stack array)");
                // The decode split merges in its last group: a device fence before the arrival count, an atomic for it.
                else if (definition == FlashDecoding.PartialKernel.Definition && !(ptx.Contains("membar.gl") && ptx.Contains("atom.")))
                    failures.Add($"{label}: PTX lacks the last-arrival merge's membar.gl and atomic add");
            }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // RoPE; the cache write, prefill and decode split (its merge folded in) for fp32 and fp16 caches (x headDim).
        Assert.Equal(1 + 2 + 2 * 5 + 2 * 5, compiled);
    }

    private static string CompileToPtx(string source, out string log)
    {
        string dir = Directory.CreateTempSubdirectory("mgpu-attention-ptx").FullName;
        try
        {
            string input = Path.Combine(dir, "kernel.cu"), output = Path.Combine(dir, "kernel.ptx");
            File.WriteAllText(input, source);
            var start = new ProcessStartInfo(Clang!)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var arg in new[] { "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_80", "-O3", "-S", input, "-o", output })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            log = stderr;
            return process.ExitCode == 0 && File.Exists(output) ? File.ReadAllText(output) : "";
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
