using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>Where the benchmarked weights come from: a synthetic shape (random weights made later), or a checkpoint opened (validated, not yet uploaded).</summary>
/// <param name="Config">The model's hyperparameters.</param>
/// <param name="Checkpoint">The opened checkpoint; null for a synthetic model. Uploaded once the bench knows the context it needs.</param>
internal sealed record BenchModelSource(ModelConfig Config, IModelCheckpoint? Checkpoint) : IDisposable
{
    /// <summary>Resolves <paramref name="name"/>; prints why and returns null when it cannot.</summary>
    public static BenchModelSource? Open(string name)
    {
        if (name.StartsWith(BenchSettingsDefaults.SyntheticPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (BenchSettingsDefaults.Synthetic.TryGetValue(name[BenchSettingsDefaults.SyntheticPrefix.Length..], out var config))
                return new BenchModelSource(config, null);
            Console.Error.WriteLine($"error: --model: unknown synthetic model '{name}': use {string.Join(" or ", BenchSettingsDefaults.Synthetic.Keys.Select(k => BenchSettingsDefaults.SyntheticPrefix + k))}.");
            return null;
        }
        try
        {
            var checkpoint = MistralModel.OpenCheckpoint(ModelPath.Check(name));
            return new BenchModelSource(checkpoint.Config, checkpoint);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            ModelOptions.ReportError(e);
            return null;
        }
    }

    /// <summary>Closes the checkpoint's files.</summary>
    public void Dispose() => Checkpoint?.Dispose();
}
