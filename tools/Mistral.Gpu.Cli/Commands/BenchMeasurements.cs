using System.Diagnostics;
using Mistral.Gpu.Roofline;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Times the forward pass the way a user experiences it: wall-clock per repetition, after untimed
/// warm-up repetitions (which also compile every kernel), with the greedy token read back to the
/// host after each decode step as generation does. The profile uses device events instead.
/// </summary>
internal sealed class BenchMeasurements(BenchModel model, int warmup, int repetitions)
{
    /// <summary>A prompt of <paramref name="promptTokens"/> tokens from position 0, in chunks of at most <see cref="BenchModel.MaxTokens"/>.</summary>
    public Throughput Prefill(int promptTokens, int seed)
    {
        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(model.Config.VocabSize)).ToArray();
        var chunks = new List<(int[] Ids, List<BenchLaunch> Plan)>();
        for (int start = 0; start < promptTokens; start += model.MaxTokens)
        {
            int count = Math.Min(model.MaxTokens, promptTokens - start);
            chunks.Add((prompt[start..(start + count)], BenchForwardPass.Plan(model, count, start)));
        }
        var ms = Repeat(() =>
        {
            foreach (var (ids, plan) in chunks)
            {
                model.Tokens.CopyFrom(ids);
                foreach (var launch in plan) launch.Run();
            }
            ReadNext();
        });
        return Summarize(ms, promptTokens, promptTokens);
    }

    /// <summary><paramref name="tokens"/> greedy decode steps from position <paramref name="context"/>, each fed the previous step's token.</summary>
    /// <remarks>
    /// The cache is not filled first: a step's work depends only on how many positions it attends
    /// (min(position + 1, window)), not on what they hold, so decoding at 16384 costs what it would
    /// after a 16384-token prompt without spending minutes on that prompt.
    /// </remarks>
    public Throughput Decode(int context, int tokens)
    {
        var plans = Enumerable.Range(0, tokens).Select(t => BenchForwardPass.Plan(model, 1, context + t)).ToList();
        var ms = Repeat(() =>
        {
            model.Tokens.CopyFrom([1]);
            foreach (var plan in plans)
            {
                foreach (var launch in plan) launch.Run();
                model.Tokens.CopyFrom([ReadNext()]);
            }
        });
        return Summarize(ms, context, tokens) with { BytesPerToken = plans[0].Sum(l => l.Cost.BytesMoved) };
    }

    /// <summary>
    /// One decode step at <paramref name="position"/>, timed twice: end to end between two events
    /// (the step time), and with an event between every launch (each kernel's time). Launches with
    /// the same role and shape (one per layer) are pooled into one row.
    /// </summary>
    public StepProfile Profile(int position, DevicePeaks peaks)
    {
        var plan = BenchForwardPass.Plan(model, 1, position);
        var stream = model.Accelerator.DefaultStream;
        model.Tokens.CopyFrom([1]);
        var stepMs = new List<double>();
        var perLaunch = plan.Select(_ => new List<double>()).ToList();
        for (int r = -warmup; r < repetitions; r++)
        {
            using (var start = stream.Record())
            {
                foreach (var launch in plan) launch.Run();
                using var end = stream.Record();
                if (r >= 0) stepMs.Add(end.MillisecondsSince(start));
            }
            var events = new List<Runtime.TimingEvent> { stream.Record() };
            foreach (var launch in plan)
            {
                launch.Run();
                events.Add(stream.Record());
            }
            stream.Synchronize();
            for (int i = 0; r >= 0 && i < plan.Count; i++) perLaunch[i].Add(events[i + 1].MillisecondsSince(events[i]));
            foreach (var e in events) e.Dispose();
        }
        double step = Statistics.Median(stepMs);
        var rows = plan.Select((launch, i) => (launch, times: perLaunch[i]))
            .GroupBy(x => (x.launch.Cost.Kernel, x.launch.Cost.Shape))
            .Select(g => KernelMeasurement.From(g.First().launch.Cost, Statistics.Summarize(g.SelectMany(x => x.times).ToArray()), peaks, g.Count(), step))
            .ToList();
        return new StepProfile { Position = position, StepMilliseconds = step, Kernels = rows };
    }

    private int ReadNext()
    {
        Span<int> next = stackalloc int[1];
        model.Next.CopyTo(next);
        return next[0];
    }

    private List<double> Repeat(Action body)
    {
        var ms = new List<double>();
        for (int r = -warmup; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            model.Accelerator.Synchronize();
            if (r >= 0) ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return ms;
    }

    private static Throughput Summarize(List<double> milliseconds, int context, int tokens) => new()
    {
        Context = context,
        Tokens = tokens,
        TokensPerSecond = Statistics.Summarize(milliseconds.Select(ms => tokens / (ms / 1e3)).ToArray()),
        MillisecondsPerToken = Statistics.Summarize(milliseconds.Select(ms => ms / tokens).ToArray()),
    };
}
