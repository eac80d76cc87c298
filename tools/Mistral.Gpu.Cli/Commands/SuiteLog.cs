using System.Diagnostics;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>The suite's progress, each line timed from the start: on the console as it happens, and in DIR/log.txt.</summary>
internal sealed class SuiteLog : IDisposable
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<string> lines = [];

    /// <summary>Seconds since the suite started.</summary>
    public double Seconds => clock.Elapsed.TotalSeconds;

    /// <summary>Every line so far, for log.txt.</summary>
    public IReadOnlyList<string> Lines => lines;

    /// <summary>Prints and keeps one line.</summary>
    public void Line(string text)
    {
        string line = $"[{Seconds,7:F1} s] {text}";
        lines.Add(line);
        Console.WriteLine(line);
    }

    /// <summary>Runs <paramref name="body"/> between a start and an end line; returns its value and its seconds.</summary>
    public (T Value, double Seconds) Step<T>(string what, Func<T> body)
    {
        Line(what + "...");
        double start = Seconds;
        T value = body();
        double took = Seconds - start;
        Line($"{what}: done in {took:F1} s");
        return (value, took);
    }

    /// <summary>Stops the clock.</summary>
    public void Dispose() => clock.Stop();
}
