using System.Text.Json.Serialization;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// Source-generated System.Text.Json metadata for bench files: no reflection at run time (trims and
/// AOT-compiles), camelCase names, indented so a diff between two runs reads well.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchRun))]
[JsonSerializable(typeof(KernelReport))]
public sealed partial class BenchJsonContext : JsonSerializerContext
{
}
