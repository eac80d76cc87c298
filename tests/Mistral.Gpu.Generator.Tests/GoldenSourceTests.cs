using Xunit;

namespace Mistral.Gpu.Generator.Tests;

/// <summary>
/// The CUDA and OpenCL text emitted for the proof kernels, compared with checked-in golden files so
/// every change to the translation shows up in review. The prelude each source starts with is checked against the
/// generator's own prelude file, which is what a prelude change is reviewed in. Set MGPU_UPDATE_GOLDEN=1 to rewrite
/// the golden files.
/// </summary>
public sealed class GoldenSourceTests
{
    private static readonly Lazy<GeneratorHarness.Result> proof = new(() =>
    {
        var files = Directory.GetFiles(Path.Combine(GeneratorHarness.RepositoryRoot(), "kernels", "Proof"), "*.cs").OrderBy(f => f, StringComparer.Ordinal);
        return GeneratorHarness.Run(files.Select(File.ReadAllText).ToArray());
    });

    public static TheoryData<string> ProofKernels() => new()
    {
        "VectorAdd", "GroupReduceSum", "WarpReduceSum", "WarpShuffles", "TiledMatMul", "HalfRoundTrip", "BFloat16RoundTrip", "Histogram", "SiluMultiply", "BinMax", "ClaimSlots", "MirrorSums",
    };

    [Fact]
    public void Proof_kernels_translate_without_diagnostics()
    {
        Assert.Empty(proof.Value.GeneratorDiagnostics);
        Assert.Empty(proof.Value.CompilationDiagnostics);
    }

    [Theory]
    [MemberData(nameof(ProofKernels))]
    public void Cuda_matches_golden(string kernel) => Compare(kernel, "CudaSource", ".golden.cu", "cuda_prelude.h");

    [Theory]
    [MemberData(nameof(ProofKernels))]
    public void OpenCL_matches_golden(string kernel) => Compare(kernel, "OpenCLSource", ".golden.cl", "opencl_prelude.h");

    /// <summary>
    /// Each kernel's golden file holds its own text (header, helpers, kernel); the prelude in front of it must be the
    /// dialect's prelude file verbatim (a copy of it under Golden/ would only have to be edited twice).
    /// </summary>
    private static void Compare(string kernel, string field, string extension, string preludeFile)
    {
        var (prelude, own) = SplitPrelude(Normalize(GeneratorHarness.Constant(proof.Value, kernel, field)), kernel);
        CompareWith(kernel + extension, own);
        string shipped = Path.Combine(GeneratorHarness.RepositoryRoot(), "src", "Mistral.Gpu.Generator", "Preludes", preludeFile);
        Assert.Equal(Normalize(File.ReadAllText(shipped)), prelude);
    }

    private static (string Prelude, string Own) SplitPrelude(string source, string kernel)
    {
        int start = source.IndexOf("// ---- Mistral.Gpu", StringComparison.Ordinal);
        int marker = source.IndexOf("// ---- end of prelude", StringComparison.Ordinal);
        Assert.True(start >= 0 && marker > start, $"{kernel}: the source has no delimited prelude");
        int end = source.IndexOf('\n', marker) + 1;
        return (source[start..end], source[..start] + source[end..]);
    }

    private static void CompareWith(string file, string actual)
    {
        string path = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "Mistral.Gpu.Generator.Tests", "Golden", file);
        if (Environment.GetEnvironmentVariable("MGPU_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"{path} is missing; run the tests with MGPU_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(Normalize(File.ReadAllText(path)), actual);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
