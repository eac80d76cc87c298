using System.Text.RegularExpressions;
using Mistral.Gpu.Model.Checkpoints;
using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Runs <c>generate</c>, <c>logits</c> and <c>eval</c> on stories260k with one or two option values replaced
/// from a pool of bad and borderline values (fixed seed): numbers out of range or of the wrong kind, empty list
/// entries, unknown formats, folders, devices, links and missing paths. Each run ends with exit code 0 (the
/// documented success: text, or a logits file that opens), or 2 with exactly one line <c>error: ...</c> that
/// names the option or the value given, no .NET exception name and no stack trace; a refused <c>logits</c>
/// leaves no file (and no temporary file) behind.
/// </summary>
public sealed partial class CliArgumentFuzzTests(ITestOutputHelper testOutput)
{
    private const int Cases = 2000;

    private static readonly string[] GenerateOptions = ["--max-tokens", "--temperature", "--top-k", "--top-p", "--seed", "--stop", "--stop-text", "--precision", "--context", "--kv-cache", "--backend", "--model", "PROMPT"];
    private static readonly string[] LogitsOptions = ["--tokens", "--decode", "--out", "--precision", "--kv-cache", "--model", "--backend"];
    private static readonly string[] EvalOptions = ["--text", "--against", "--precision", "--context", "--kv-cache", "--model"];

    [Fact]
    public void Bad_option_values_give_one_clean_error_or_a_documented_success()
    {
        using var dir = new TempDirectory();
        string model = SharedData.Stories260k;
        string outFolder = Directory.CreateDirectory(dir.File("out")).FullName;
        string output = Path.Combine(outFolder, "logits.safetensors");
        string text = dir.Write("text.txt", "Once upon a time, there was a little girl named Lily.");
        string file = dir.Write("regular.txt", "a file");
        string link = dir.File("link");
        File.CreateSymbolicLink(link, dir.File("link-target"));
        string[] pool =
        [
            "", " ", "0", "-1", "1", "2", "3", "0.5", "1e309", "NaN", "-inf", "abc", "2147483647", "2147483648",
            "9223372036854775808", "1,,2", ",", "1,2,", "-0", "0x10", "１", "16777217", "fp8", "int4", "fp16", "cpu",
            "cuda", "gpu", "/dev/zero", "/dev/full", "/dev/null", dir.Path, dir.File("no-such"), link, file,
            new string('9', 1000), "--", "1,2,3", "511", "512",
        ];
        var random = FuzzSeed.For(7);
        var tally = new FuzzTally("CLI argument values", testOutput);
        for (int i = 0; i < Cases; i++)
        {
            if (File.Exists(output)) File.Delete(output);
            var (command, options, args) = (i % 3) switch
            {
                0 => ("generate", GenerateOptions, new Dictionary<string, string> { ["PROMPT"] = "Once", ["--max-tokens"] = "2", ["--context"] = "32" }),
                1 => ("logits", LogitsOptions, new Dictionary<string, string> { ["--model"] = model, ["--tokens"] = "1,2,3", ["--out"] = output }),
                _ => ("eval", EvalOptions, new Dictionary<string, string> { ["--model"] = model, ["--text"] = text, ["--context"] = "32" }),
            };
            var changed = new Dictionary<string, string>();
            for (int n = random.Next(1, 3); n > 0; n--)
                changed[options[random.Next(options.Length)]] = pool[random.Next(pool.Length)];
            foreach (var (option, value) in changed) args[option] = value;
            // A huge --context on a model without a window would allocate its whole cache; the pool keeps it out of reach.
            string[] line = [command, .. args.Where(a => a.Key == "PROMPT").Select(a => a.Value), .. args.Where(a => a.Key != "PROMPT").SelectMany(a => new[] { a.Key, a.Value })];
            if (command == "logits" && random.Next(2) == 0) line = [.. line, "--force"];

            var run = CliRun.Run(line);
            string described = $"case {i} (seed {FuzzSeed.Value}): mistral-gpu {string.Join(' ', line.Select(a => $"'{a}'"))}";
            Assert.True(run.ExitCode is 0 or 2, $"{described}: exit code {run.ExitCode}\n{run.StdErr}");
            if (run.ExitCode == 0)
            {
                if (command == "logits" && line[Array.IndexOf(line, "--out") + 1] == output)
                    using (SafetensorsFile.Open(output)) { }
                tally.Count("ran");
                continue;
            }
            // Notes (a context past max_seq_len, a text cut to the context) may come first; the error is one last line.
            string[] all = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string[] lines = all.Where(l => !l.StartsWith("note: ", StringComparison.Ordinal)).ToArray();
            Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal) && all[^1] == lines[0],
                $"{described}: expected one line 'error: ...', got:\n{run.StdErr}");
            Assert.False(ExceptionName().IsMatch(lines[0]), $"{described}: the message shows a .NET exception: {lines[0]}");
            Assert.True(changed.Any(c => (c.Key != "PROMPT" && lines[0].Contains(c.Key, StringComparison.Ordinal)) || (c.Value.Trim().Length > 0 && lines[0].Contains(c.Value.Trim(), StringComparison.Ordinal)))
                || NamesAFile(lines[0], line),
                $"{described}: the message names neither the option nor the value: {lines[0]}");
            if (command == "logits")
                Assert.True(!File.Exists(output) && Directory.GetFiles(outFolder, "*.tmp").Length == 0, $"{described}: a refused run left a file behind");
            tally.Count("refused");
        }
        tally.Report(Cases);
        Assert.True(tally.Of("ran") > Cases / 20, $"only {tally.Of("ran")} runs succeeded: the base command lines are broken");
    }

    /// <summary>A message about the model's own files (a context too short for the text, say) names one of them.</summary>
    private static bool NamesAFile(string message, string[] line) =>
        line.Any(a => a.Length > 1 && a.StartsWith('/') && message.Contains(a, StringComparison.Ordinal)) || message.Contains("context", StringComparison.Ordinal);

    [GeneratedRegex(@"\b\w+Exception\b")]
    private static partial Regex ExceptionName();
}
