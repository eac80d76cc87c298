using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// The ILGPU-form kernels on ILGPU's GPU accelerators, where a device exists (an NVIDIA driver; an OpenCL 2.0 device
/// with the generic address space), against the same references as on ILGPU's CPU accelerator.
/// </summary>
public sealed class IlgpuDeviceTests
{
    [RequiresBackendFact(BackendKind.IlgpuCuda)]
    public void Kernels_match_references_on_ilgpu_cuda() => Check(BackendKind.IlgpuCuda);

    [RequiresBackendFact(BackendKind.IlgpuOpenCL)]
    public void Kernels_match_references_on_ilgpu_opencl() => Check(BackendKind.IlgpuOpenCL);

    private static void Check(BackendKind backend)
    {
        using var accelerator = Accelerators.Create(backend);
        Assert.Equal(backend, accelerator.Info.Backend);
        foreach (int n in new[] { 1, 33, 4097 }) ProofKernelCpuTests.CheckVectorAdd(accelerator, n);
        IlgpuCpuAcceleratorTests.CheckScaledGroupSums(accelerator, 1000, 3);
    }
}
