using System.Runtime.ExceptionServices;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>
/// Runs the groups of one launch on the calling thread plus up to <c>threads - 1</c> thread-pool
/// helpers, handing out chunks of consecutive groups through one counter. A decode step issues a few
/// hundred small launches; Parallel.For's partitioning and task machinery cost tens of microseconds
/// each, this about the time to queue a work item. Helpers that start after the work is gone just
/// return, so the caller waits only for chunks that were actually claimed.
/// </summary>
internal sealed class CpuGroupScheduler : IThreadPoolWorkItem
{
    private readonly Action<long> runGroup;
    private readonly long groups, chunkSize, chunks;
    private long nextChunk = -1;
    private long completedChunks;
    private readonly ManualResetEventSlim done = new(false);
    private ExceptionDispatchInfo? failure;

    private CpuGroupScheduler(Action<long> runGroup, long groups, long chunkSize)
    {
        this.runGroup = runGroup;
        this.groups = groups;
        this.chunkSize = chunkSize;
        chunks = (groups + chunkSize - 1) / chunkSize;
    }

    /// <summary>Runs <paramref name="runGroup"/> for groups 0..<paramref name="groups"/>-1 on up to <paramref name="threads"/> threads; rethrows the first failure.</summary>
    public static void Run(Action<long> runGroup, long groups, int threads)
    {
        // Several chunks per thread balance groups of uneven cost (attention tiles outside a window end early).
        long chunkSize = Math.Max(1, groups / (threads * 8L));
        var work = new CpuGroupScheduler(runGroup, groups, chunkSize);
        long helpers = Math.Min(threads, work.chunks) - 1;
        for (long i = 0; i < helpers; i++) ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
        work.Execute();
        // Spin briefly first: the last chunks usually finish within microseconds. Whoever completes the last
        // chunk sets the event; the event is not disposed, because that thread may still be inside Set.
        var spin = new SpinWait();
        while (Interlocked.Read(ref work.completedChunks) != work.chunks && !spin.NextSpinWillYield) spin.SpinOnce();
        work.done.Wait();
        work.failure?.Throw();
    }

    /// <summary>Claims and runs chunks until none are left.</summary>
    public void Execute()
    {
        while (true)
        {
            long chunk = Interlocked.Increment(ref nextChunk);
            if (chunk >= chunks) return;
            try
            {
                long end = Math.Min(groups, (chunk + 1) * chunkSize);
                for (long g = chunk * chunkSize; g < end; g++) runGroup(g);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
            if (Interlocked.Increment(ref completedChunks) == chunks) done.Set();
        }
    }
}
