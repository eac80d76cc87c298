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
        // The exact path (fp32 cache), compared at the fp32 tolerance; the fp16 default has its own tolerance tests.
        var run = Cli.Run("logits", "--model", caseDir, "--tokens", string.Join(",", tokens), "--decode", "20", "--out", output, "--backend", "cpu", "--kv-cache", "fp32");
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

        var badCache = Cli.Run("generate", "--kv-cache", "fp8", "--backend", "cpu");
        AssertOneLineError(badCache, "use auto, fp32 or fp16");
    }

    [Fact]
    public void Generate_stops_at_a_stop_id_a_stop_text_and_the_models_generation_config()
    {
        var story = RunnerStoriesTests.Cases()[0];
        var (index, id) = StopTokenTests.FirstFreshToken(story.GeneratedIds);

        var byId = Cli.Run("generate", "Once upon a time", "--max-tokens", "60", "--json", "--stop", $"{id + 1},{id}");
        Assert.True(byId.ExitCode == 0, byId.StdErr);
        Assert.Equal(story.GeneratedIds.Take(index), JsonTokens(byId.StdOut));

        var byText = Cli.Run("generate", "Once upon a time", "--max-tokens", "60", "--stop-text", "Lily", "--stop-text", "dragon");
        Assert.True(byText.ExitCode == 0, byText.StdErr);
        Assert.Equal("Once upon a time, there was a little girl named", byText.StdOut.TrimEnd());
        Assert.Contains("stop text \"Lily\"", byText.StdErr);

        // A temporary copy of the model whose generation_config.json names that id as an EOS.
        using var temp = new TempDirectory();
        foreach (string file in new[] { "params.json", "consolidated.safetensors", "tokenizer.model" })
            File.Copy(Path.Combine(SharedData.Stories260k, file), temp.File(file));
        temp.Write("generation_config.json", $$"""{"bos_token_id": 1, "eos_token_id": [2, {{id}}]}""");
        var byConfig = Cli.Run("generate", "Once upon a time", "--model", temp.Path, "--max-tokens", "60", "--json");
        Assert.True(byConfig.ExitCode == 0, byConfig.StdErr);
        Assert.Equal(story.GeneratedIds.Take(index), JsonTokens(byConfig.StdOut));

        // A generation_config.json naming an id the vocabulary lacks is an error naming the file.
        string config = temp.Write("generation_config.json", """{"eos_token_id": 70000}""");
        AssertOneLineError(Cli.Run("generate", "--model", temp.Path), config);
    }

    [Fact]
    public void Bad_stop_values_name_the_option()
    {
        var notAnId = Cli.Run("generate", "--stop", "abc");
        AssertOneLineError(notAnId, "--stop");
        Assert.Contains("'abc'", notAnId.StdErr);
        var outside = Cli.Run("generate", "--stop", "2,512");
        AssertOneLineError(outside, "--stop");
        Assert.Contains("512", outside.StdErr);
        AssertOneLineError(Cli.Run("generate", "--stop-text", ""), "--stop-text");
        AssertOneLineError(Cli.Run("chat", "--stop", "x"), "--stop");
        Assert.Equal("", notAnId.StdOut);
    }

    [Fact]
    public void A_prompt_too_long_for_the_context_is_refused_before_anything_is_printed()
    {
        string prompt = string.Join(" ", Enumerable.Repeat("Once upon a time there was a dog.", 120));
        var run = Cli.Run("generate", prompt);
        AssertOneLineError(run, "context of 512");
        Assert.Equal("", run.StdOut);
    }

    [Fact]
    public void A_bad_context_is_one_clean_sentence()
    {
        var generate = Cli.Run("generate", "--context", "0");
        AssertOneLineError(generate, "--context");
        Assert.DoesNotContain("(Parameter", generate.StdErr);
        foreach (string value in new[] { "-1", "99999999" })
        {
            var bench = Cli.Run("bench", "--model", "synthetic:tiny", "--context", value);
            AssertOneLineError(bench, "--context");
            Assert.DoesNotContain("(Parameter", bench.StdErr);
            Assert.StartsWith("error: ", bench.StdErr);
        }
    }

    [Fact]
    public void Bench_never_overwrites_or_creates_folders_and_reports_bad_input_like_the_model_commands()
    {
        using var temp = new TempDirectory();
        string existing = temp.Write("run.json", "keep me");

        var refused = Cli.Run("bench", "--model", "synthetic:tiny", "--json", existing);
        AssertOneLineError(refused, existing);
        Assert.Contains("--force", refused.StdErr);
        Assert.Equal("keep me", File.ReadAllText(existing));

        string missingFolder = temp.File("no-such-folder");
        var noFolder = Cli.Run("bench", "--model", "synthetic:tiny", "--json", Path.Combine(missingFolder, "run.json"));
        AssertOneLineError(noFolder, missingFolder);
        Assert.False(Directory.Exists(missingFolder));

        string file = temp.Write("file.txt", "a file");
        var underFile = Cli.Run("bench", "--model", "synthetic:tiny", "--json", Path.Combine(file, "run.json"));
        AssertOneLineError(underFile, file);
        Assert.Equal("a file", File.ReadAllText(file));

        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--json", temp.Path), temp.Path);
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:nope"), "synthetic:nope");
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--weights", "int3"), "--weights");
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--contexts", "512,abc"), "--contexts");
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--prompt-tokens", "128,x"), "--prompt-tokens");
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--prompt-tokens", "16,-1"), "--prompt-tokens");
        AssertOneLineError(Cli.Run("bench", "--model", "synthetic:tiny", "--repetitions", "0"), "--repetitions");
        AssertOneLineError(Cli.Run("bench", "compare", existing), "two files");
        Assert.Equal(["file.txt", "run.json"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName).Order());

        // With --force the run replaces the file, and its table is plain text when stdout is redirected.
        var forced = Cli.Run("bench", "--model", "synthetic:tiny", "--contexts", "", "--repetitions", "1", "--warmup", "0", "--json", existing, "--force");
        Assert.True(forced.ExitCode == 0, forced.StdErr);
        Assert.StartsWith("{", File.ReadAllText(existing));
        Assert.DoesNotContain('\u001b', forced.StdOut);
        Assert.Contains("decode", forced.StdOut);
    }

    [Fact]
    public void Bench_json_writes_its_charts_beside_it_and_compare_draws_the_runs_without_overwriting()
    {
        using var temp = new TempDirectory();
        string json = temp.File("run.json");
        var bench = Cli.Run("bench", "--model", "synthetic:tiny", "--prompt-tokens", "24,8", "--contexts", "64,128", "--repetitions", "1", "--warmup", "0", "--json", json);
        Assert.True(bench.ExitCode == 0, bench.StdErr);
        // One prefill row per length, in the order asked, the first being the main one, each with its FLOPs per token.
        using (var run = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var rows = run.RootElement.GetProperty("prefillByLength").EnumerateArray().ToList();
            Assert.Equal([24, 8], rows.Select(p => p.GetProperty("context").GetInt32()));
            Assert.All(rows, p => Assert.True(p.GetProperty("flopsPerToken").GetDouble() > 0));
            Assert.Equal(24, run.RootElement.GetProperty("settings").GetProperty("promptTokens").GetInt32());
            Assert.Equal(24, run.RootElement.GetProperty("prefill").GetProperty("tokens").GetInt32());
        }
        Assert.Contains("Prefill of 8:", bench.StdOut);
        Assert.Equal(["run.decode.png", "run.decode.svg", "run.json"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(temp.File("run.decode.png"))[..4]);

        string copy = temp.File("again.json");
        File.Copy(json, copy);
        string stem = temp.File("compare");
        var compare = Cli.Run("bench", "compare", json, copy, "--chart", stem);
        Assert.True(compare.ExitCode == 0, compare.StdErr);
        Assert.Contains("decode @ 128", compare.StdOut);
        Assert.True(File.Exists(stem + ".png") && File.Exists(stem + ".svg"), compare.StdErr);

        File.WriteAllText(stem + ".svg", "keep me");
        File.Delete(stem + ".png");
        var refused = Cli.Run("bench", "compare", json, copy, "--chart", stem);
        AssertOneLineError(refused, stem + ".svg already exists");
        Assert.Contains("--force", refused.StdErr);
        Assert.False(File.Exists(stem + ".png"));
        Assert.Equal("keep me", File.ReadAllText(stem + ".svg"));
        AssertOneLineError(Cli.Run("bench", "compare", json, copy, "--chart", temp.File("missing/compare")), "does not exist");
        Assert.True(Cli.Run("bench", "compare", json, copy, "--chart", stem, "--force").ExitCode == 0);
        Assert.StartsWith("<", File.ReadAllText(stem + ".svg"));
    }

    [Fact]
    public void Kernels_dump_refuses_a_file_or_an_unwritable_place_in_one_line()
    {
        using var temp = new TempDirectory();
        string file = temp.Write("not-a-folder", "keep");
        var onFile = Cli.Run("kernels", "--dump", file);
        AssertOneLineError(onFile, file);
        Assert.Equal("keep", File.ReadAllText(file));

        var underFile = Cli.Run("kernels", "--dump", Path.Combine(file, "sub"));
        AssertOneLineError(underFile, file);

        var proc = Cli.Run("kernels", "--dump", "/proc/mgpu-dump-test");
        AssertOneLineError(proc, "/proc/mgpu-dump-test");
    }

    [Fact]
    public void Devices_lists_ilgpus_backends()
    {
        var run = Cli.Run("devices");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("IlgpuCpu", run.StdOut);
        Assert.Contains("ILGPU CPU accelerator", run.StdOut);
        Assert.Contains("IlgpuCuda", run.StdOut);
        Assert.Contains("IlgpuOpenCL", run.StdOut);
    }

    [Fact]
    public void Kernels_dump_names_files_by_class_and_method_is_idempotent_and_keeps_foreign_files()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("sources");
        var first = Cli.Run("kernels", "--dump", folder);
        Assert.True(first.ExitCode == 0, first.StdErr);
        string[] names = [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!)];
        Assert.Contains("ProofKernels.VectorAdd.cu", names);
        Assert.Contains("ProofKernels.VectorAdd.cl", names);
        Assert.Contains("ProofKernels.ClaimSlots.cl", names);
        Assert.Contains(names, n => n.StartsWith("Int4MatMul.Rows.", StringComparison.Ordinal));
        // ILGPU's own PTX beside the translation, for each kernel written in ILGPU's API (VectorAdd is one).
        string ilgpuPtx = File.ReadAllText(Path.Combine(folder, "ProofKernels.VectorAdd.ilgpu.ptx"));
        Assert.Contains("Generated by ILGPU", ilgpuPtx);
        Assert.Contains(".entry ", ilgpuPtx);
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Matches($"^{names.Length} files for \\d+ kernels in .*: {names.Length} written, 0 already up to date\\.", first.StdOut);

        var again = Cli.Run("kernels", "--dump", folder);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains($"0 written, {names.Length} already up to date", again.StdOut);

        // A file of the same name that is not ours is never overwritten without --force.
        string foreign = Path.Combine(folder, "ProofKernels.VectorAdd.cu");
        File.WriteAllText(foreign, "// my notes");
        var refused = Cli.Run("kernels", "--dump", folder);
        AssertOneLineError(refused, "ProofKernels.VectorAdd.cu");
        Assert.Contains("--force", refused.StdErr);
        Assert.Equal("// my notes", File.ReadAllText(foreign));
        var forced = Cli.Run("kernels", "--dump", folder, "--force");
        Assert.True(forced.ExitCode == 0, forced.StdErr);
        Assert.Contains("1 written", forced.StdOut);
        Assert.Contains("VectorAdd", File.ReadAllText(foreign));
    }

    [Fact]
    public void Redirected_output_has_no_ansi_escape_codes()
    {
        var env = new Dictionary<string, string> { ["TERM"] = "xterm-256color", ["COLORTERM"] = "truecolor" };
        foreach (string[] args in new[] { new[] { "devices" }, ["kernels"], ["generate", "--max-tokens", "5"] })
        {
            var run = Cli.Run(env, args);
            Assert.True(run.ExitCode == 0, run.StdErr);
            Assert.DoesNotContain('\u001b', run.StdOut);
            Assert.DoesNotContain('\u001b', run.StdErr);
        }
    }

    private static IEnumerable<int> JsonTokens(string stdout)
    {
        using var json = JsonDocument.Parse(stdout);
        return [.. json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32())];
    }

    internal static void AssertOneLineError(Cli.Result run, string mentions)
    {
        Assert.Equal(2, run.ExitCode);
        string[] lines = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{run.StdErr}");
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", run.StdErr);
    }

    /// <summary>Runs the built tool (building it once if this test run has no copy yet).</summary>
    internal static class Cli
    {
        public sealed record Result(int ExitCode, string StdOut, string StdErr);

        private static readonly Lazy<string> Dll = new(Locate);

        public static Result Run(params string[] args) => Run(new Dictionary<string, string>(), args);

        public static Result Run(IReadOnlyDictionary<string, string> environment, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Dll.Value);
            foreach (string arg in args) start.ArgumentList.Add(arg);
            start.Environment["MISTRAL_GPU_BACKEND"] = "cpu";
            foreach (var (name, value) in environment) start.Environment[name] = value;
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
