using Mistral.Gpu.Cli;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>Runs one <c>mistral-gpu</c> command line in this process on the CPU backend, capturing stdout and stderr, within a bound.</summary>
public static class CliRun
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed);

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly object Gate = new();

    public static Result Run(params string[] args)
    {
        lock (Gate)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            string? oldBackend = Environment.GetEnvironmentVariable("MISTRAL_GPU_BACKEND");
            Environment.SetEnvironmentVariable("MISTRAL_GPU_BACKEND", "cpu");
            Console.SetOut(stdout);
            Console.SetError(stderr);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var run = Task.Run(() => CliApp.Run(args));
                Assert.True(run.Wait(Bound), $"mistral-gpu {string.Join(' ', args)} ran past {Bound}");
                return new Result(run.Result, stdout.ToString(), stderr.ToString(), clock.Elapsed);
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
                Environment.SetEnvironmentVariable("MISTRAL_GPU_BACKEND", oldBackend);
            }
        }
    }
}
