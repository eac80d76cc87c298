using System.Diagnostics;
using Mistral.Gpu.Runtime.OpenCL;
using Xunit;
using Xunit.Abstractions;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>Runs alone: the release checks read the process's resident memory, which other tests would disturb.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "Memory measuring (not in parallel)";
}

/// <summary>
/// Device memory is really given back on OpenCL, observed outside the accelerator's own counters:
/// a loop that would need several times the device's memory if buffers leaked must succeed with the
/// process's resident memory flat, and disposing an accelerator must drop the driver's own reference
/// count of every live buffer (read through a reference this test holds).
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class OpenCLMemoryReleaseTests(ITestOutputHelper output)
{
    private const int Iterations = 1000;
    private const long MinimumBufferBytes = 64L << 20;
    private const uint GlobalMemSize = 0x101F, MaxMemAllocSize = 0x1010;

    [RequiresOpenCLFact]
    public void A_thousand_buffers_that_would_overflow_the_device_if_leaked_all_allocate()
    {
        using var accelerator = OpenCLAccelerator.Create();
        ulong global = HostOpenCL.DeviceULong(accelerator.NativeDevice, GlobalMemSize);
        ulong maxAlloc = HostOpenCL.DeviceULong(accelerator.NativeDevice, MaxMemAllocSize);
        // Big enough that 1,000 leaked buffers would need at least 4x the device's memory (64 MiB at least).
        long bytes = (long)Math.Min(maxAlloc, Math.Max((ulong)MinimumBufferBytes, global * 4 / Iterations + 1));
        // Whole ints, rounded up: rounding down could leave 1,000 buffers a few bytes short of 4x the device.
        long largest = (long)maxAlloc / 4 * 4;
        bytes = Math.Min((bytes + 3) / 4 * 4, largest);
        Assert.True((double)bytes * Iterations >= 4.0 * global || bytes == largest,
            $"{Iterations} x {bytes} bytes does not exceed 4 x the device's {global} bytes");

        long baseline = ResidentBytes();
        long peak = baseline;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            DeviceBuffer<int> buffer;
            try { buffer = accelerator.Allocate<int>(bytes / 4); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"allocation {i + 1} of {Iterations} ({bytes >> 20} MiB) failed after {i} were freed: {e.Message}"); }
            using (buffer)
            {
                // The zero fill touched every page; write one element too, so the memory is really committed.
                if (i % 50 == 0)
                {
                    buffer.CopyFrom(new[] { i });
                    peak = Math.Max(peak, ResidentBytes());
                }
            }
        }
        long after = ResidentBytes();
        output.WriteLine($"{Iterations} x {bytes >> 20} MiB on a device of {global >> 20} MiB ({(double)bytes * Iterations / global:0.0}x) in {clock.Elapsed.TotalSeconds:0.0} s; resident {baseline >> 20} MiB before, peak {peak >> 20} MiB, {after >> 20} MiB after");
        Assert.Equal(0, accelerator.LiveBufferCount);
        // Leaked, the loop would hold ~Iterations * bytes; freed, at most a couple of buffers are resident at once.
        Assert.True(peak - baseline < 4 * bytes + (256L << 20), $"resident memory grew from {baseline >> 20} MiB to {peak >> 20} MiB during the loop");
        Assert.True(after - baseline < 2 * bytes + (256L << 20), $"resident memory grew from {baseline >> 20} MiB to {after >> 20} MiB after the loop");
    }

    [RequiresOpenCLFact]
    public void Disposing_the_accelerator_releases_the_drivers_reference_to_every_live_buffer()
    {
        var accelerator = OpenCLAccelerator.Create();
        var buffers = new DeviceBuffer[] { accelerator.Allocate<float>(1000), accelerator.Allocate<byte>(3), accelerator.Upload<int>([1, 2, 3]) };
        var handles = buffers.Select(b => b.Storage.DangerousGetHandle()).ToArray();
        try
        {
            foreach (nint mem in handles) HostOpenCL.RetainMemObject(mem);
            Assert.All(handles, mem => Assert.Equal(2u, HostOpenCL.MemReferenceCount(mem)));
            accelerator.Dispose();
            // Only this test's reference is left: the accelerator released its own.
            Assert.All(handles, mem => Assert.Equal(1u, HostOpenCL.MemReferenceCount(mem)));
            Assert.All(buffers, b => Assert.True(b.IsDisposed));
        }
        finally
        {
            accelerator.Dispose();
            foreach (nint mem in handles) HostOpenCL.ReleaseMemObject(mem);
        }
    }

    [RequiresOpenCLFact]
    public void Disposing_the_accelerator_gives_the_memory_of_live_buffers_back()
    {
        const int count = 8;
        const long bytes = 64L << 20;
        long baseline = ResidentBytes();
        var accelerator = OpenCLAccelerator.Create();
        for (int i = 0; i < count; i++) accelerator.Allocate<int>(bytes / 4).CopyFrom(new[] { i }); // kept alive, never disposed
        long held = ResidentBytes();
        accelerator.Dispose();
        long after = ResidentBytes();
        output.WriteLine($"resident {baseline >> 20} MiB before, {held >> 20} MiB with {count} x {bytes >> 20} MiB live, {after >> 20} MiB after Dispose");
        // The zero fill commits the pages; if PoCL did not, there is nothing to observe here.
        if (held - baseline < count * bytes / 2) return;
        Assert.True(held - after > count * bytes / 2, $"Dispose gave back only {(held - after) >> 20} MiB of the {count * bytes >> 20} MiB held by live buffers");
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
