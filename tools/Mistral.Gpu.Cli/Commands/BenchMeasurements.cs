using System.Diagnostics;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Times the runner's forward pass the way a user experiences it: wall-clock per repetition, after untimed
/// warm-up repetitions (which also compile every kernel), with the greedy token read back to the host after each
/// decode step as generation does. The profile puts device events around every step instead.
/// </summary>
internal sealed class BenchMeasurements(BenchModel model, int warmup, int repetitions)
{
    private Transformer Runner => model.Runner;

    /// <summary>A prompt of <paramref name="promptTokens"/> tokens from position 0, in the runner's chunks, with its FLOPs per token.</summary>
    public Throughput Prefill(int promptTokens, int seed)
    {
        var prompt = Prompt(promptTokens, seed);
        // The costs are counted during the first repetition (a list append per step), not in a pass of their
        // own: a 4096-token prefill on a CPU takes minutes.
        var costs = new StepCosts(model);
        var ms = Repeat(() => Runner.Argmax(Runner.Prefill(prompt)), costs);
        return Summarize(ms, promptTokens, promptTokens) with { FlopsPerToken = costs.Steps.Sum(s => s.Cost.Flops) / promptTokens };
    }

    /// <summary><paramref name="tokens"/> greedy decode steps from position <paramref name="context"/>, each fed the previous step's token.</summary>
    /// <remarks>
    /// The cache is not filled by a prompt first: a step's work depends only on how many positions it attends
    /// (min(position + 1, window)), not on what they hold, so decoding at 16384 costs what it would after a
    /// 16384-token prompt without spending minutes on that prompt.
    /// </remarks>
    public Throughput Decode(int context, int tokens)
    {
        var ms = Repeat(() =>
        {
            int token = 1;
            for (int t = 0; t < tokens; t++) token = Runner.Argmax(Runner.Decode(token, context + t));
        });
        var costs = new StepCosts(model);
        Observe(costs, () => Runner.Argmax(Runner.Decode(1, context)));
        return Summarize(ms, context, tokens) with { BytesPerToken = costs.Steps.Sum(s => s.Cost.BytesMoved) };
    }

    /// <summary>
    /// One decode step at <paramref name="position"/>, timed twice: end to end between two events (the step time),
    /// and with events around every step of the pass (each kernel's time). Steps with the same role and shape (one
    /// per layer) are pooled into one row.
    /// </summary>
    public StepProfile Profile(int position, DevicePeaks peaks) =>
        ProfilePass(() => Runner.Argmax(Runner.Decode(1, position)), warmup, repetitions, peaks) with { Position = position };

    /// <summary>
    /// One prefill of <paramref name="promptTokens"/> tokens (the prompt <see cref="Prefill"/> times), profiled as a decode
    /// step is, once: the timed prefill rows already warmed it up, and on a CPU one pass takes tens of seconds.
    /// </summary>
    public StepProfile ProfilePrefill(int promptTokens, int seed, DevicePeaks peaks)
    {
        var prompt = Prompt(promptTokens, seed);
        return ProfilePass(() => Runner.Argmax(Runner.Prefill(prompt)), 0, 1, peaks) with { Tokens = promptTokens };
    }

    private StepProfile ProfilePass(Action pass, int warmups, int passes, DevicePeaks peaks)
    {
        var stream = model.Accelerator.DefaultStream;
        var stepMs = new List<double>();
        var timed = new StepTimes(model, stream);
        for (int r = -warmups; r < passes; r++)
        {
            using (var start = stream.Record())
            {
                pass();
                using var end = stream.Record();
                if (r >= 0) stepMs.Add(end.MillisecondsSince(start));
            }
            timed.Keep = r >= 0;
            Observe(timed, pass);
            timed.Collect();
        }
        double step = Statistics.Median(stepMs);
        var rows = timed.Steps
            .GroupBy(s => (s.Cost.Kernel, s.Cost.Shape))
            .Select(g => KernelMeasurement.From(g.First().Cost, Statistics.Summarize([.. g.Select(s => s.Milliseconds)]), peaks,
                g.Count() / Math.Max(1, passes), step))
            .ToList();
        return new StepProfile { StepMilliseconds = step, Kernels = rows };
    }

    private int[] Prompt(int promptTokens, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, promptTokens).Select(_ => random.Next(model.Config.VocabSize)).ToArray();
    }

    private void Observe(IForwardObserver observer, Action pass)
    {
        Runner.Observer = observer;
        try
        {
            pass();
        }
        finally
        {
            Runner.Observer = null;
        }
    }

    private List<double> Repeat(Action body, IForwardObserver? firstObserver = null)
    {
        var ms = new List<double>();
        for (int r = -warmup; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            if (r == -warmup && firstObserver is not null) Observe(firstObserver, body);
            else body();
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

    /// <summary>The cost of every step of the observed pass.</summary>
    private sealed class StepCosts(BenchModel model) : IForwardObserver
    {
        public List<(ForwardStep Step, KernelCost Cost)> Steps { get; } = [];

        public void Starting(ForwardStep step) => Steps.Add((step, BenchCosts.Of(model, step)));

        public void Queued(ForwardStep step)
        {
        }
    }

    /// <summary>A device event before and after every step, read after the pass so the steps still queue back to back.</summary>
    private sealed class StepTimes(BenchModel model, AcceleratorStream stream) : IForwardObserver
    {
        private readonly List<(ForwardStep Step, TimingEvent Start, TimingEvent? End)> pending = [];

        /// <summary>Whether the steps observed now count (false during warm-up).</summary>
        public bool Keep { get; set; }

        public List<(KernelCost Cost, double Milliseconds)> Steps { get; } = [];

        public void Starting(ForwardStep step) => pending.Add((step, stream.Record(), null));

        public void Queued(ForwardStep step) => pending[^1] = pending[^1] with { End = stream.Record() };

        /// <summary>Reads the events of the pass just observed (waiting for it) and frees them.</summary>
        public void Collect()
        {
            foreach (var (step, begin, end) in pending)
            {
                if (Keep) Steps.Add((BenchCosts.Of(model, step), end!.MillisecondsSince(begin)));
                begin.Dispose();
                end?.Dispose();
            }
            pending.Clear();
        }
    }
}
