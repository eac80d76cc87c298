using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Model.Tests;

/// <summary>The three ways the mistral-tiny weights are stored, and how to load each.</summary>
public enum WeightsVariant
{
    /// <summary>params.json + consolidated.safetensors (fp32), interleaved RoPE rows.</summary>
    Native,
    /// <summary>config.json + model.safetensors (fp32), q/k rows permuted for rotate-half RoPE.</summary>
    HuggingFace,
    /// <summary>params.json + consolidated.bf16.safetensors; compared with reference.bf16.safetensors.</summary>
    Bf16,
}

/// <summary>Loading models and references, and comparing logits, for the runner tests.</summary>
public static class RunnerTestSupport
{
    /// <summary>The README's tolerance for fp32 (and bf16-weight) runs against the PyTorch reference.</summary>
    public const float MistralTinyTolerance = 1e-3f;

    /// <summary>stories260k against llama2.c's run.c: an independent fp32 implementation agrees within 2e-5.</summary>
    public const float StoriesTolerance = 1e-4f;

    public static MistralModel Load(Accelerator accelerator, string directory, WeightsVariant variant = WeightsVariant.Native, WeightFormat precision = WeightFormat.Fp32) =>
        MistralModel.Load(accelerator, directory, new ModelLoadOptions
        {
            Precision = precision,
            Files = variant switch
            {
                WeightsVariant.Native => CheckpointFiles.Detect(directory, CheckpointLayout.Native),
                WeightsVariant.HuggingFace => CheckpointFiles.Detect(directory, CheckpointLayout.HuggingFace),
                _ => new CheckpointFiles(CheckpointLayout.Native, Path.Combine(directory, "params.json"), [Path.Combine(directory, "consolidated.bf16.safetensors")]),
            },
        });

    public static string ReferenceFile(string caseDirectory, WeightsVariant variant) =>
        Path.Combine(caseDirectory, variant == WeightsVariant.Bf16 ? "reference.bf16.safetensors" : "reference.safetensors");

    public static float MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            float d = MathF.Abs(actual[i] - expected[i]);
            if (!(d <= max)) max = float.IsNaN(d) ? float.PositiveInfinity : d;
        }
        return max;
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, float tolerance, string what)
    {
        float diff = MaxAbsDiff(actual, expected);
        Assert.True(diff <= tolerance, $"{what}: max |Δ| = {diff:G4} exceeds {tolerance:G3}");
    }

    public static Accelerator OpenCL() => Accelerators.Create(BackendKind.OpenCL);
}
