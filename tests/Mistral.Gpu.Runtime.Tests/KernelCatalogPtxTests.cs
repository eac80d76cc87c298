using System.Diagnostics;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// Compiles the CUDA source of every kernel in the catalog, every specialization variant, to PTX
/// with clang (no CUDA SDK, no GPU needed): proves the generated CUDA C and the self-contained
/// prelude are valid and that each kernel becomes a .entry. Both catalogs: the project's kernels and the
/// ones this test assembly defines (the README example, naming edge cases).
/// </summary>
public sealed class KernelCatalogPtxTests
{
    private const string Clang = "clang-14";
    private const string Install = "apt-get install clang-14";

    internal static IEnumerable<KernelDefinition> AllKernels => Mistral.Gpu.Kernels.KernelCatalog.All.Concat(Mistral.Gpu.Runtime.Tests.KernelCatalog.All);

    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in AllKernels) data.Add(kernel.Name);
        return data;
    }

    [Fact]
    public void Catalog_lists_the_proof_kernels()
    {
        var names = Mistral.Gpu.Kernels.KernelCatalog.All.Select(k => k.Name).ToHashSet();
        foreach (var name in new[] { "ProofKernels.VectorAdd", "ProofKernels.GroupReduceSum", "ProofKernels.WarpReduceSum", "ProofKernels.TiledMatMul",
                     "ProofKernels.HalfRoundTrip", "ProofKernels.BFloat16RoundTrip", "ProofKernels.Histogram", "ProofKernels.SiluMultiply", "ProofKernels.MirrorSums" })
            Assert.Contains(name, names);
    }

    [RequiresToolTheory(Clang, Install)]
    [MemberData(nameof(KernelNames))]
    public void Cuda_source_compiles_to_ptx_with_clang(string name)
    {
        var kernel = AllKernels.Single(k => k.Name == name);
        var directory = Directory.CreateTempSubdirectory("mgpu-ptx-");
        try
        {
            foreach (var variant in kernel.AllVariants())
            {
                string source = Path.Combine(directory.FullName, kernel.EntryPoint + ".cu");
                string ptx = Path.ChangeExtension(source, ".ptx");
                File.WriteAllText(source, kernel.SourceFor(KernelDialect.Cuda, variant));
                var (exitCode, output) = Run(Clang, $"-x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 -O3 -S -o \"{ptx}\" \"{source}\"");
                string where = $"{kernel.Name} [{string.Join(", ", variant)}]";
                Assert.True(exitCode == 0, $"clang failed on {where}:\n{output}");
                Assert.Contains($".entry {kernel.EntryPoint}(", File.ReadAllText(ptx));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string tool, string arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
