using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Mistral.Gpu.Runtime.Cpu;

/// <summary>
/// Runs the groups of one launch on the calling thread plus up to <c>threads - 1</c> helper threads,
/// handing out chunks of consecutive groups through one counter. A decode step issues a few hundred
/// small launches back to back, so the helpers are the process's own threads (<see cref="Helpers"/>),
/// which spin for a while after each launch before they sleep: on a VM an idle core takes tens to
/// hundreds of microseconds to wake, once per launch, which a decode step would pay a few hundred
/// times. Helpers that arrive after the work is gone just go back to waiting, so the caller waits
/// only for chunks that were actually claimed.
/// </summary>
internal sealed class CpuGroupScheduler
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
        // At most one helper per further core: more threads than cores would only spin against each other.
        int helpers = (int)Math.Min(Math.Min(threads, work.chunks), Environment.ProcessorCount) - 1;
        if (helpers > 0) Helpers.Offer(work, helpers);
        work.Execute();
        // The helpers' last chunks usually finish within a chunk's time: spin that long before sleeping, since a
        // sleeping caller is as slow to wake as a sleeping helper. Whoever completes the last chunk sets the event;
        // the event is not disposed, because that thread may still be inside Set.
        long deadline = Stopwatch.GetTimestamp() + Helpers.SpinTicks;
        while (Interlocked.Read(ref work.completedChunks) != work.chunks && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
        work.done.Wait();
        // Let go of this launch's arguments unless a newer launch was offered meanwhile.
        if (helpers > 0) Helpers.Withdraw(work);
        work.failure?.Throw();
    }

    /// <summary>Claims and runs chunks until none are left.</summary>
    private void Execute()
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

    /// <summary>
    /// The helper threads, started on first use and shared by every CPU accelerator of the process (background
    /// threads: they never keep it alive). Each takes the newest offered launch; launches offered while it works on
    /// another are run by their callers (and any other helper), so concurrent launches stay correct.
    /// </summary>
    private static class Helpers
    {
        /// <summary>How long a helper (or a caller waiting for helpers) spins before it sleeps: 0.5 ms.</summary>
        public static readonly long SpinTicks = Stopwatch.Frequency / 2000;

        private static readonly Lock gate = new();
        private static readonly SemaphoreSlim wake = new(0);
        private static CpuGroupScheduler? current;
        private static long generation;
        private static int sleeping;
        private static int started;

        public static void Offer(CpuGroupScheduler work, int helpers)
        {
            if (Volatile.Read(ref started) < helpers) Start(helpers);
            Volatile.Write(ref current, work);
            Interlocked.Increment(ref generation);
            int asleep = Volatile.Read(ref sleeping);
            if (asleep > 0) wake.Release(Math.Min(asleep, helpers));
        }

        public static void Withdraw(CpuGroupScheduler work) => Interlocked.CompareExchange(ref current, null, work);

        private static void Start(int helpers)
        {
            lock (gate)
            {
                for (; started < helpers; started++)
                    new Thread(Loop) { IsBackground = true, Name = $"CPU group helper {started + 1}" }.Start();
            }
        }

        private static void Loop()
        {
            long seen = Interlocked.Read(ref generation);
            while (true)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while (Interlocked.Read(ref generation) == seen && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
                if (Interlocked.Read(ref generation) == seen)
                {
                    // Counted as asleep before the last look, so an offer made after it releases the semaphore.
                    Interlocked.Increment(ref sleeping);
                    if (Interlocked.Read(ref generation) == seen) wake.Wait();
                    Interlocked.Decrement(ref sleeping);
                    continue;
                }
                seen = Interlocked.Read(ref generation);
                Volatile.Read(ref current)?.Execute();
            }
        }
    }
}
