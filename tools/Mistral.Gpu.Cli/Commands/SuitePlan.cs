using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Roofline;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// What <c>bench suite</c> measures, in the order it measures it (the budget cuts from the end): Mistral 7B's shapes, or a
/// tiny model of the same architecture for CI and smoke tests (<c>--shapes small</c>).
/// </summary>
/// <param name="Shapes">"7b" or "small", as asked.</param>
/// <param name="ModelName">The synthetic model measured.</param>
/// <param name="Config">Its hyperparameters.</param>
/// <param name="Encoding">How its linear weights are stored.</param>
/// <param name="Contexts">Decode positions; the first is also where the step is profiled.</param>
/// <param name="PromptLengths">Prefill lengths.</param>
/// <param name="DecodeTokens">Tokens per decode repetition.</param>
/// <param name="Warmup">Untimed repetitions first.</param>
/// <param name="Repetitions">Timed repetitions.</param>
internal sealed record SuitePlan(string Shapes, string ModelName, ModelConfig Config, WeightEncoding Encoding, int[] Contexts, int[] PromptLengths,
    int DecodeTokens, int Warmup, int Repetitions)
{
    /// <summary>The shape sets <c>--shapes</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["7b", "small"];

    /// <summary>The plan for <paramref name="shapes"/> on a device with host memory (a CPU) or not.</summary>
    public static SuitePlan For(string shapes, bool host)
    {
        var (_, decode, warmup, repetitions) = BenchSettingsDefaults.For(host);
        return shapes switch
        {
            "7b" => new(shapes, "synthetic:mistral-7b", BenchSettingsDefaults.Synthetic["mistral-7b"], WeightEncoding.Int4(),
                [512, 4096, 16384, 32768], [512, 4096], host ? decode : 32, warmup, repetitions),
            "small" => new(shapes, "synthetic:tiny", BenchSettingsDefaults.Synthetic["tiny"], WeightEncoding.Int4(),
                [64, 256, 900], [64, 256], 4, 1, 3),
            _ => throw new ArgumentException($"--shapes: use {string.Join(" or ", Names)}, got '{shapes}'."),
        };
    }

    /// <summary>Positions the model's cache must hold: the furthest decode plus its tokens, or the longest prompt.</summary>
    public int ContextLength => Math.Max(Contexts.Max() + DecodeTokens, PromptLengths.Max());
}
