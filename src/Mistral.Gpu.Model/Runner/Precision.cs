using Mistral.Gpu.Kernels;

namespace Mistral.Gpu.Model.Runner;

/// <summary>The names the CLI and the API use for weight formats: <c>fp32</c>, <c>fp16</c>, <c>int4</c>.</summary>
public static class Precision
{
    /// <summary>Parses "fp32", "fp16" or "int4" (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="ArgumentException">Any other name, with the valid ones listed.</exception>
    public static WeightFormat Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fp32" or "f32" => WeightFormat.Fp32,
        "fp16" or "f16" => WeightFormat.Fp16,
        "int4" or "q4" => WeightFormat.Int4,
        _ => throw new ArgumentException($"Unknown precision '{name}': use fp32, fp16 or int4.", nameof(name)),
    };

    /// <summary>The CLI name of <paramref name="format"/>.</summary>
    /// <param name="format">A weight format.</param>
    public static string Name(WeightFormat format) => format switch
    {
        WeightFormat.Fp32 => "fp32",
        WeightFormat.Fp16 => "fp16",
        WeightFormat.Int4 => "int4",
        _ => format.ToString().ToLowerInvariant(),
    };
}
