using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Whether the decode step can be replayed as one CUDA graph (cuStreamBeginCapture / cuGraphInstantiate / cuGraphLaunch),
/// the fix for the host overhead <see cref="Roofline.HostOverhead"/> measures. The capture belongs to the CUDA backend
/// (issue #15); until it lands every backend launches kernel by kernel, and the report says so.
/// </summary>
internal static class CudaGraphs
{
    /// <summary>One line for the report: what the decode step ran as on this device.</summary>
    public static string Status(Accelerator accelerator) => accelerator.Info.Backend switch
    {
        BackendKind.Cuda or BackendKind.IlgpuCuda =>
            "off: this build launches the decode step kernel by kernel (graph capture in the CUDA backend is issue #15); the host time above is what a graph would remove",
        var other => $"not applicable: {other} has no graph capture; the host time above is launch and read-back overhead",
    };
}
