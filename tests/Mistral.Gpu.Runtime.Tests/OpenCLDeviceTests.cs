using Mistral.Gpu.Runtime;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class OpenCLDeviceTests
{
    [RequiresOpenCLFact]
    public void DeviceInfoIsSane()
    {
        using var accelerator = OpenCLAccelerator.Create();
        var info = accelerator.Info;
        Assert.Equal(BackendKind.OpenCL, info.Backend);
        Assert.False(string.IsNullOrWhiteSpace(info.Name));
        Assert.False(string.IsNullOrWhiteSpace(info.Vendor));
        Assert.False(string.IsNullOrWhiteSpace(info.Platform));
        Assert.InRange(info.MemoryBytes, 64L << 20, 1L << 50);
        Assert.InRange(info.ComputeUnits, 1, 1 << 20);
        // OpenCL 1.2 guarantees work-groups of at least 1 and local memory of at least 32 KiB on full-profile devices.
        Assert.InRange(info.MaxGroupSize, 1, 1 << 20);
        Assert.True(info.SharedMemoryBytes >= 16 * 1024, $"local memory {info.SharedMemoryBytes}");
        Assert.Equal("", info.ComputeCapability);
        Assert.NotEqual(0, accelerator.NativeContext);
        Assert.NotEqual(0, accelerator.NativeDevice);
        Assert.NotEqual(0, accelerator.DefaultStream.NativeHandle);
    }

    /// <summary>The driver's CL_DEVICE_TYPE decides the CPU shapes, not the device's name; PoCL and the CPU backend are CPUs.</summary>
    [RequiresOpenCLFact]
    public void DeviceTypeComesFromTheDriver()
    {
        using var accelerator = OpenCLAccelerator.Create();
        bool pocl = accelerator.Info.Platform.Contains("Portable Computing Language", StringComparison.Ordinal);
        if (pocl) Assert.True(accelerator.Info.IsCpu, "PoCL's pthread device is CL_DEVICE_TYPE_CPU");
        using var cpu = new Mistral.Gpu.Runtime.Cpu.CpuAccelerator();
        Assert.True(cpu.Info.IsCpu);
    }

    [RequiresOpenCLFact]
    public void ListDevicesMatchesTheDefaultDevice()
    {
        var devices = OpenCLAccelerator.ListDevices();
        Assert.NotEmpty(devices);
        using var accelerator = OpenCLAccelerator.Create(0);
        Assert.Equal(devices[0].Name, accelerator.Info.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenCLAccelerator.Create(devices.Count));
    }

    [RequiresOpenCLFact]
    public void RegistryAndEnvironmentPickOpenCL()
    {
        using var byName = Accelerators.Create(BackendKind.OpenCL);
        Assert.IsType<OpenCLAccelerator>(byName);
    }

    [Fact]
    public void ProbeReportsEveryBackendWithDevicesOrOneSentence()
    {
        var probes = Accelerators.Probe();
        Assert.Equal(Enum.GetValues<BackendKind>(), probes.Select(p => p.Backend));
        foreach (var probe in probes)
        {
            if (probe.IsAvailable) Assert.NotEmpty(probe.Devices);
            else Assert.False(string.IsNullOrWhiteSpace(probe.UnavailableReason));
        }
        Assert.True(probes.Single(p => p.Backend == BackendKind.Cpu).IsAvailable);
    }
}
