using System.Reflection;
using System.Runtime.InteropServices;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>The part of a bench record known before anything is measured: tool, device, ceilings, settings, model shape.</summary>
internal static class BenchRunStart
{
    public static BenchRun Create(Accelerator accelerator, string backend, DevicePeaks peaks, BenchSettings settings, ModelConfig config)
    {
        var info = accelerator.Info;
        return new BenchRun
        {
            CreatedUtc = DateTimeOffset.UtcNow,
            Versions = new ToolVersions
            {
                Tool = typeof(BenchRunStart).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
                Runtime = RuntimeInformation.FrameworkDescription,
                OperatingSystem = RuntimeInformation.OSDescription,
            },
            Device = new DeviceDescription
            {
                Backend = backend, Name = info.Name, Vendor = info.Vendor, Platform = info.Platform,
                MemoryBytes = info.MemoryBytes, ComputeUnits = info.ComputeUnits,
            },
            Peaks = peaks,
            Settings = settings,
            Model = new ModelShape
            {
                Dim = config.Dim, Layers = config.NLayers, Heads = config.NHeads, KvHeads = config.NKvHeads, HeadDim = config.HeadDim,
                HiddenDim = config.HiddenDim, Vocab = config.VocabSize, Window = config.SlidingWindow ?? int.MaxValue, RopeTheta = config.RopeTheta,
            },
        };
    }
}
