using System.Diagnostics;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>A checkpoint that times its reads (mapping pages in and widening to fp32, or repacking stored int4), so the load bench can split read time from quantise-and-upload time.</summary>
internal sealed class TimedCheckpoint(IModelCheckpoint inner) : IModelCheckpoint
{
    private readonly Stopwatch _reading = new();

    public TimeSpan ReadTime => _reading.Elapsed;

    public ModelConfig Config => inner.Config;

    public string ConfigSource => inner.ConfigSource;

    public void ReadFloat32(WeightId id, Span<float> destination)
    {
        _reading.Start();
        try { inner.ReadFloat32(id, destination); }
        finally { _reading.Stop(); }
    }

    public Int4Matrix? ReadInt4(WeightId id, int groupSize)
    {
        _reading.Start();
        try { return inner.ReadInt4(id, groupSize); }
        finally { _reading.Stop(); }
    }

    public void Release(WeightId id) => inner.Release(id);

    public void Dispose() => inner.Dispose();
}
