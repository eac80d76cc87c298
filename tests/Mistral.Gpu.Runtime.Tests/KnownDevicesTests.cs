using Mistral.Gpu.Runtime;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

public sealed class KnownDevicesTests
{
    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", 3.35e12, 989e12)]
    [InlineData("NVIDIA H100 PCIe", 2.0e12, 756e12)]
    [InlineData("NVIDIA H200", 4.8e12, 989e12)]
    [InlineData("NVIDIA A100-SXM4-40GB", 1.555e12, 312e12)]
    [InlineData("NVIDIA A100-SXM4-80GB", 2.039e12, 312e12)]
    [InlineData("NVIDIA L4", 300e9, 121e12)]
    [InlineData("NVIDIA L40S", 864e9, 362e12)]
    [InlineData("NVIDIA GeForce RTX 3090", 936e9, 71e12)]
    [InlineData("NVIDIA GeForce RTX 4090", 1008e9, 165e12)]
    [InlineData("Tesla V100-SXM2-16GB", 900e9, 125e12)]
    [InlineData("Tesla T4", 320e9, 65e12)]
    public void DatasheetPeaksMatchDriverNames(string name, double bandwidth, double flops)
    {
        var info = KnownDevices.WithPeaks(new AcceleratorInfo { Backend = BackendKind.Cuda, Name = name });
        Assert.Equal(bandwidth, info.PeakBandwidthBytesPerSecond!.Value, 1e6);
        Assert.Equal(flops, info.PeakFlopsPerSecond!.Value, 1e6);
        Assert.StartsWith("datasheet: ", info.PeakSource);
    }

    [Theory]
    [InlineData("pthread-skylake-avx512-AMD EPYC")]
    [InlineData("NVIDIA GeForce RTX 3090 Ti")]
    [InlineData("NVIDIA GeForce GTX 1080")]
    [InlineData("Intel(R) UHD Graphics 770")]
    public void UnknownDevicesGetNoPeak(string name)
    {
        var info = KnownDevices.WithPeaks(new AcceleratorInfo { Backend = BackendKind.OpenCL, Name = name });
        Assert.Null(info.PeakBandwidthBytesPerSecond);
        Assert.Null(info.PeakFlopsPerSecond);
        Assert.Equal("", info.PeakSource);
    }

    [Fact]
    public void VariantsWithOtherFiguresDoNotTakeTheSxmRow()
    {
        var nvl = KnownDevices.Find("NVIDIA H100 NVL");
        Assert.True(nvl is null || !nvl.Source.Contains("(SXM)"), nvl?.Source);
        Assert.Equal(121e12, KnownDevices.Find("NVIDIA L4")!.Fp16FlopsPerSecond, 1e6);
        Assert.NotEqual(121e12, KnownDevices.Find("NVIDIA L40S")!.Fp16FlopsPerSecond, 1e6);
    }
}
