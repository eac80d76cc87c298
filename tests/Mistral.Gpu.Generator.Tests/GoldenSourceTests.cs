using Xunit;

namespace Mistral.Gpu.Generator.Tests;

/// <summary>
/// The CUDA and OpenCL text emitted for the proof kernels, compared with checked-in golden files so
/// every change to the translation shows up in review. Set MGPU_UPDATE_GOLDEN=1 to rewrite them.
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
        "VectorAdd", "GroupReduceSum", "WarpReduceSum", "WarpShuffles", "TiledMatMul", "HalfRoundTrip", "BFloat16RoundTrip", "Histogram", "SiluMultiply", "BinMax", "ClaimSlots",
    };

    [Fact]
    public void Proof_kernels_translate_without_diagnostics()
    {
        Assert.Empty(proof.Value.GeneratorDiagnostics);
        Assert.Empty(proof.Value.CompilationDiagnostics);
    }

    [Theory]
    [MemberData(nameof(ProofKernels))]
    public void Cuda_matches_golden(string kernel) => Compare(kernel, "CudaSource", ".golden.cu");

    [Theory]
    [MemberData(nameof(ProofKernels))]
    public void OpenCL_matches_golden(string kernel) => Compare(kernel, "OpenCLSource", ".golden.cl");

    private static void Compare(string kernel, string field, string extension)
    {
        string actual = Normalize(GeneratorHarness.Constant(proof.Value, kernel, field));
        string path = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "Mistral.Gpu.Generator.Tests", "Golden", kernel + extension);
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
