using Mistral.Gpu.Runtime.Cpu;
using Xunit;

namespace Mistral.Gpu.Runtime.Tests;

/// <summary>
/// The CPU backend's group scheduler with its spinning helper threads: every group of a launch runs exactly once, also
/// when several threads launch at once and the helpers serve whichever launch is newest; a group's exception reaches
/// its own caller (its chunk stops there, the other chunks run); back-to-back launches after the helpers fell asleep still complete.
/// </summary>
public sealed class CpuGroupSchedulerTests
{
    [Fact]
    public void Concurrent_launches_run_each_group_exactly_once()
    {
        const int callers = 4, launches = 200, groups = 97;
        Parallel.For(0, callers, new ParallelOptions { MaxDegreeOfParallelism = callers }, _ =>
        {
            for (int launch = 0; launch < launches; launch++)
            {
                var counts = new int[groups];
                CpuGroupScheduler.Run(g => Interlocked.Increment(ref counts[g]), groups, threads: 3);
                Assert.All(counts, c => Assert.Equal(1, c));
            }
        });
    }

    [Fact]
    public void A_failing_group_is_rethrown_to_its_caller_after_the_other_chunks_ran()
    {
        var ran = new int[64];
        var error = Assert.Throws<InvalidOperationException>(() => CpuGroupScheduler.Run(g =>
        {
            Interlocked.Increment(ref ran[g]);
            if (g == 40) throw new InvalidOperationException("group 40");
        }, 64, threads: 2));
        Assert.Equal("group 40", error.Message);
        // Chunks of 4 groups (64 / (2 threads x 8)): the failing chunk stops at group 40, every other chunk runs whole.
        for (int g = 0; g < 64; g++) Assert.Equal(g is > 40 and < 44 ? 0 : 1, ran[g]);
    }

    [Fact]
    public void Launches_after_the_helpers_slept_complete()
    {
        for (int i = 0; i < 5; i++)
        {
            // Longer than the helpers' spin, so each launch finds them asleep and must wake them (or run alone).
            Thread.Sleep(3);
            long sum = 0;
            CpuGroupScheduler.Run(g => Interlocked.Add(ref sum, g), 1000, threads: 2);
            Assert.Equal(999L * 1000 / 2, sum);
        }
    }
}
