using System.Diagnostics;
using System.Text.Json;
using Mistral.Gpu.Kernels.Parity;
using Cli = Mistral.Gpu.Model.Tests.CliCommandTests.Cli;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// <c>mistral-gpu bench suite</c> end to end, as a user runs it (the built tool, a child process), on the reduced shape set
/// with a small budget: the report folder, the verification table, the exit code of a broken kernel, and the budget.
/// </summary>
public sealed class BenchSuiteTests
{
    [Fact]
    public void Suite_on_cpu_writes_a_report_folder_bench_compare_reads() => CheckSuite("cpu");

    [RequiresOpenCLFact]
    public void Suite_on_opencl_writes_a_report_folder_bench_compare_reads() => CheckSuite("opencl");

    private static void CheckSuite(string backend)
    {
        using var temp = new TempDirectory();
        string folder = temp.File("report");
        var run = Cli.Run("bench", "suite", "--backend", backend, "--shapes", "small", "--budget-seconds", "60", "--out", folder);
        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
        var root = json.RootElement;
        Assert.Equal(backend, root.GetProperty("device").GetProperty("backend").GetString());
        var verification = root.GetProperty("verification").EnumerateArray().ToList();
        Assert.All(verification, v => Assert.True(v.GetProperty("passed").GetBoolean(), v.ToString()));
        // Every kernel family of the parity table, every row that applies to the backend, and the model's logits.
        Assert.Equal([.. ParityTable.Families, "model"], verification.Select(v => v.GetProperty("family").GetString()!).Distinct());
        Assert.Equal(ParityTable.All.Count(r => r.AppliesTo(backend)) + 1, verification.Count);
        Assert.True(root.GetProperty("decode").GetProperty("tokensPerSecond").GetProperty("median").GetDouble() > 0);
        Assert.True(root.GetProperty("host").GetProperty("launchesPerToken").GetInt64() > 10);

        foreach (string chart in new[] { "run.decode.png", "run.roofline.png" })
            AssertPng(Path.Combine(folder, chart), 1100, 650);
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("**Verdict: PASS**", report);
        foreach (string family in ParityTable.Families) Assert.Contains($"| {family} |", report);
        Assert.Contains("[    0.0 s] Device:", File.ReadAllText(Path.Combine(folder, "log.txt")));

        // The folder is what bench compare reads, against itself: every ratio of a measured number is 1.
        var compare = Cli.Run("bench", "compare", folder, folder, "--markdown");
        Assert.True(compare.ExitCode == 0, compare.StdErr);
        Assert.Contains("| launches per decode token |", compare.StdOut);
        Assert.Contains("1.00x", compare.StdOut);

        // Nothing of the user's is overwritten: the folder is now not empty.
        var again = Cli.Run("bench", "suite", "--backend", backend, "--shapes", "small", "--out", folder);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("is not empty", again.StdErr);
    }

    [Fact]
    public void A_broken_kernel_fails_the_verification_and_the_exit_code()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("report");
        var run = Cli.Run("bench", "suite", "--backend", "cpu", "--shapes", "small", "--budget-seconds", "1", "--out", folder, "--add-broken-kernel");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("FAILED swiglu: deliberately broken: one element short", run.StdOut);
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("**Verdict: FAIL**", report);
        Assert.Contains("element 4096 is 0", report);
    }

    [Fact]
    public void The_budget_stops_the_measurements_and_lists_them()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("report");
        var clock = Stopwatch.StartNew();
        var run = Cli.Run("bench", "suite", "--backend", "cpu", "--shapes", "small", "--budget-seconds", "1", "--out", folder);
        var elapsed = clock.Elapsed;
        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
        var skipped = json.RootElement.GetProperty("skipped").EnumerateArray().Select(s => s.GetString()!).ToList();
        // Verification always runs; past the budget nothing is measured, and each step left out says so.
        Assert.Equal(["the device's peak bandwidth and FLOP/s", "the model"], skipped.Select(s => s[..s.IndexOf(':')]));
        Assert.All(skipped, s => Assert.Contains("of the 1 s budget used", s));
        Assert.False(json.RootElement.TryGetProperty("decode", out _));
        // The verification's own time (seconds) plus the process start and the report: no measurement ran.
        double verified = double.Parse(File.ReadAllLines(Path.Combine(folder, "log.txt")).First(l => l.Contains("Verification:", StringComparison.Ordinal))[1..8]);
        Assert.True(elapsed.TotalSeconds < verified + 15, $"took {elapsed.TotalSeconds:F1} s after a verification of {verified:F1} s");
        Assert.Contains("## Skipped", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    [Fact]
    public void Bad_arguments_give_one_line_errors_before_any_device_work()
    {
        using var temp = new TempDirectory();
        string file = temp.Write("file.txt", "mine");
        string link = temp.File("link");
        File.CreateSymbolicLink(link, temp.File("nowhere"));
        (string[] Args, string Names)[] cases =
        [
            (["--out", file], "is a file"),
            (["--out", link], "is a symbolic link"),
            (["--out", temp.File("no/such/report")], "does not exist"),
            (["--out", temp.File("r"), "--budget-seconds", "0"], "--budget-seconds"),
            (["--out", temp.File("r"), "--backend", "cpu", "--compiler", "nvrtc"], "--compiler nvrtc"),
            (["--out", temp.File("r"), "--shapes", "huge"], "huge"),
        ];
        foreach (var (args, names) in cases)
        {
            var run = Cli.Run(["bench", "suite", .. args]);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}, {run.StdErr}");
            Assert.Contains(names, run.StdErr);
            Assert.Single(run.StdErr.Trim().Split('\n'));
        }
        Assert.Equal("mine", File.ReadAllText(file));
        Assert.False(Directory.Exists(temp.File("r")));
    }

    [RequiresPublishedSuiteFact]
    public void Published_self_contained_build_runs_the_suite_on_cpu()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("report");
        var start = new ProcessStartInfo(RequiresPublishedSuiteFactAttribute.Executable()!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "bench", "suite", "--backend", "cpu", "--shapes", "small", "--budget-seconds", "30", "--out", folder }) start.ArgumentList.Add(arg);
        // No .NET on the GPU machine: the build must not need the SDK's dotnet on the PATH or a DOTNET_ROOT.
        start.Environment.Remove("DOTNET_ROOT");
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the published mistral-gpu bench suite ran over 5 minutes");
        }
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
        Assert.Contains("**Verdict: PASS**", File.ReadAllText(Path.Combine(folder, "report.md")));
        AssertPng(Path.Combine(folder, "run.decode.png"), 1100, 650);
    }

    /// <summary>A PNG by its signature and header chunk, of the charts' size.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path}: {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
