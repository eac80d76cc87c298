using ILGPU;
using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>A kernel that reads group memory before writing it: on the CPU backend each group must see the poison pattern.</summary>
public static partial class PoisonProbeKernels
{
    /// <summary>seen[i] = the shared word before this lane writes it; then the lane writes its id there.</summary>
    [Kernel]
    public static void ReadBeforeWrite([Extent("n")] ArrayView<int> seen, int n)
    {
        var tile = SharedMemory.Allocate<int>(64);
        int lane = ILGPU.Group.LinearIndex;
        int i = Grid.GlobalIndex.X;
        int before = tile[lane];
        ILGPU.Group.Barrier();
        tile[lane] = i;
        if (i < n) seen[i] = before;
    }
}

public sealed class CpuSharedPoisonTests
{
    /// <summary>
    /// 0xFFFFFFFF in every slot of every group, even though the previous group on the same thread left its ids
    /// there: a kernel that forgets to initialise shared memory fails on the CPU backend instead of reading stale data.
    /// </summary>
    [Fact]
    public void Shared_memory_reads_before_writes_see_the_poison_in_every_group()
    {
        using var cpu = new CpuAccelerator(maxThreads: 1);
        const int n = 64 * 5;
        using var seen = cpu.Allocate<int>(n);
        PoisonProbeKernels.ReadBeforeWriteKernel.Launch(cpu, new LaunchDims(5, 64), seen, n);
        Assert.All(seen.ToArray(), v => Assert.Equal(-1, v));
    }
}
