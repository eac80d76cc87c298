using ILGPU;
using ILGPU.Runtime.OpenCL;
using Mistral.Gpu.Tests.Shared;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>How ILGPU's backends are named, probed and refused: the names parse, the probe lists them, and every OpenCL
/// device ILGPU cannot serve is named with the reason.</summary>
public sealed class IlgpuBackendSelectionTests
{
    [Theory]
    [InlineData("ilgpu-cuda", BackendKind.IlgpuCuda)]
    [InlineData("ILGPU-OpenCL", BackendKind.IlgpuOpenCL)]
    [InlineData("ilgpu-cl", BackendKind.IlgpuOpenCL)]
    [InlineData(" ilgpu-cpu ", BackendKind.IlgpuCpu)]
    [InlineData("cuda", BackendKind.Cuda)]
    [InlineData("opencl", BackendKind.OpenCL)]
    [InlineData("cpu", BackendKind.Cpu)]
    public void Names_parse(string name, BackendKind expected) => Assert.Equal(expected, Accelerators.ParseBackend(name));

    [Fact]
    public void An_unknown_name_lists_every_backend()
    {
        var error = Assert.Throws<ArgumentException>(() => Accelerators.ParseBackend("ilgpu"));
        foreach (var name in Accelerators.BackendNames) Assert.Contains(name, error.Message);
        Assert.All(Accelerators.BackendNames, name => Accelerators.ParseBackend(name));
    }

    [Fact]
    public void The_probe_lists_ilgpus_backends_and_its_cpu_accelerator_runs()
    {
        var probes = Accelerators.Probe();
        foreach (var kind in new[] { BackendKind.IlgpuCuda, BackendKind.IlgpuOpenCL, BackendKind.IlgpuCpu })
        {
            var probe = Assert.Single(probes, p => p.Backend == kind);
            Assert.True(probe.IsAvailable || probe.UnavailableReason is { Length: > 0 }, $"{kind} is neither available nor says why.");
        }
        var cpu = probes.Single(p => p.Backend == BackendKind.IlgpuCpu);
        Assert.True(cpu.IsAvailable, cpu.UnavailableReason);
        Assert.Equal(256, Assert.Single(cpu.Devices).MaxGroupSize);
    }

    [RequiresOpenCLFact]
    public void Every_opencl_device_without_the_generic_address_space_is_named_with_the_reason()
    {
        var probe = Accelerators.Probe().Single(p => p.Backend == BackendKind.IlgpuOpenCL);
        string said = (probe.UnavailableReason ?? "") + (probe.SkippedDevices ?? "");
        using var context = Context.Create(builder => builder.OpenCL(_ => true));
        foreach (var device in context.GetCLDevices())
        {
            if (device.Capabilities.GenericAddressSpace) continue;
            Assert.Contains(device.Name.Trim(), said);
            Assert.Contains("no generic address space", said);
        }
        if (!probe.IsAvailable)
            Assert.Equal(probe.UnavailableReason, Assert.Throws<BackendUnavailableException>(() => Accelerators.Create(BackendKind.IlgpuOpenCL)).Message);
    }
}
