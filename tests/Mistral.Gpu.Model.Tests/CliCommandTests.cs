using System.Diagnostics;
using System.Text.Json;
using Mistral.Gpu.Model.Checkpoints;
using static Mistral.Gpu.Model.Tests.RunnerTestSupport;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// The model commands of the built <c>mistral-gpu</c> tool, run as a user runs them (a child process on
/// the CPU backend): the JSON of <c>generate</c>, the file <c>logits</c> writes, and the one-line errors.
/// </summary>
public sealed class CliCommandTests
{
    [Fact]
    public void Generate_json_on_the_default_model_is_the_greedy_reference()
    {
        var story = RunnerStoriesTests.Cases()[0];
        var run = Cli.Run("generate", "Once upon a time", "--max-tokens", "20", "--json", "--backend", "cpu");
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var json = JsonDocument.Parse(run.StdOut);
        var root = json.RootElement;
        Assert.Equal(["prompt_tokens", "tokens", "text", "tokens_per_second"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(story.PromptIds, root.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(story.GeneratedIds.Take(20), root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.StartsWith(", there was a little girl named Lily.", root.GetProperty("text").GetString());
        Assert.True(root.GetProperty("tokens_per_second").GetDouble() > 0);
    }

    [Fact]
    public void Logits_writes_the_reference_layout_and_round_trips()
    {
        string caseDir = SharedData.MistralTinyCase("case_a_hd16_w8");
        using var reference = SafetensorsFile.Open(ReferenceFile(caseDir, WeightsVariant.Native));
        int[] tokens = reference.ReadInt32("tokens");
        using var temp = new TempDirectory();
        string output = temp.File("logits.safetensors");
        var run = Cli.Run("logits", "--model", caseDir, "--tokens", string.Join(",", tokens), "--decode", "20", "--out", output, "--backend", "cpu");
        Assert.True(run.ExitCode == 0, run.StdErr);
        using (var written = SafetensorsFile.Open(output))
        {
            Assert.Equal([tokens.Length, 256L], written.GetShape("prefill_logits"));
            AssertClose(written.ReadFloat32("prefill_logits"), reference.ReadFloat32("prefill_logits"), MistralTinyTolerance, "prefill_logits");
            Assert.Equal(reference.ReadInt32("decode_tokens"), written.ReadInt32("decode_tokens"));
            AssertClose(written.ReadFloat32("decode_logits"), reference.ReadFloat32("decode_logits"), MistralTinyTolerance, "decode_logits");
        }

        // An existing --out is kept unless --force.
        byte[] before = File.ReadAllBytes(output);
        var again = Cli.Run("logits", "--model", caseDir, "--tokens", "1,2,3", "--out", output, "--backend", "cpu");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--force", again.StdErr);
        Assert.Equal(before, File.ReadAllBytes(output));
    }

    [Fact]
    public void Bad_input_is_one_line_exit_2_and_nothing_written()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.safetensors");
        string caseDir = SharedData.MistralTinyCase("case_a_hd16_w8");

        var badToken = Cli.Run("logits", "--model", caseDir, "--tokens", "1,999,7", "--out", output, "--backend", "cpu");
        AssertOneLineError(badToken, "999");
        Assert.False(File.Exists(output));

        string missing = temp.File("no-such-model");
        var noModel = Cli.Run("logits", "--model", missing, "--tokens", "1,2", "--out", output, "--backend", "cpu");
        AssertOneLineError(noModel, missing);
        Assert.False(File.Exists(output));

        var badPrecision = Cli.Run("generate", "--precision", "int3", "--backend", "cpu");
        AssertOneLineError(badPrecision, "int3");
    }

    private static void AssertOneLineError(Cli.Result run, string mentions)
    {
        Assert.Equal(2, run.ExitCode);
        string[] lines = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{run.StdErr}");
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", run.StdErr);
    }

    /// <summary>Runs the built tool (building it once if this test run has no copy yet).</summary>
    private static class Cli
    {
        public sealed record Result(int ExitCode, string StdOut, string StdErr);

        private static readonly Lazy<string> Dll = new(Locate);

        public static Result Run(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Dll.Value);
            foreach (string arg in args) start.ArgumentList.Add(arg);
            start.Environment["MISTRAL_GPU_BACKEND"] = "cpu";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"mistral-gpu {string.Join(' ', args)} ran over 5 minutes");
            }
            return new Result(process.ExitCode, stdout.Result, stderr.Result);
        }

        private static string Locate()
        {
            string repo = RepoRoot();
            string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            string project = Path.Combine(repo, "tools", "Mistral.Gpu.Cli");
            string dll = Path.Combine(project, "bin", configuration, "net10.0", "mistral-gpu.dll");
            if (!File.Exists(dll))
            {
                var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "-v", "q", "-nologo"]) { UseShellExecute = false })!;
                build.WaitForExit();
                Assert.True(build.ExitCode == 0 && File.Exists(dll), $"could not build {project}");
            }
            return dll;
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mistral.Gpu.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("no Mistral.Gpu.sln above the test binary");
        }
    }
}
