using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// The models <c>bench</c> can make on the spot, and repetition counts that finish in minutes:
/// a CPU streams a 7B int4 model at a few GB/s (a token every second or more), a GPU at hundreds.
/// </summary>
internal static class BenchSettingsDefaults
{
    /// <summary>Prefix of a synthetic model name.</summary>
    public const string SyntheticPrefix = "synthetic:";

    /// <summary>The synthetic models: Mistral 7B v0.1's and v0.3's exact shapes, and a tiny one for smoke tests.</summary>
    public static IReadOnlyDictionary<string, ModelConfig> Synthetic { get; } = new Dictionary<string, ModelConfig>(StringComparer.OrdinalIgnoreCase)
    {
        ["mistral-7b"] = ModelConfig.Mistral7Bv01,
        ["mistral-7b-v0.3"] = ModelConfig.Mistral7Bv03,
        ["tiny"] = ModelConfig.Mistral7Bv01 with
        {
            Dim = 256, NLayers = 4, NHeads = 8, NKvHeads = 2, HeadDim = 32, HiddenDim = 768, VocabSize = 1000, SlidingWindow = 64, MaxSeqLen = 1024,
        },
    };

    /// <summary>(prompt tokens, decode tokens, warm-up, repetitions) for a device: 512 prompt tokens everywhere, the prompt length users wait for.</summary>
    public static (int Prompt, int Decode, int Warmup, int Repetitions) For(bool hostMemory) =>
        hostMemory ? (512, 2, 1, 2) : (512, 64, 2, 5);
}
