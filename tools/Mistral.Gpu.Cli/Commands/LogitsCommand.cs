using System.CommandLine;
using System.Globalization;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Sampling;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu logits --model DIR --tokens 1,2,3 [--decode N] --out FILE.safetensors</c>: the
/// logits of one forward pass over the tokens (<c>prefill_logits</c> [T, vocab]) and, with
/// <c>--decode N</c>, N greedy steps through the KV cache (<c>decode_tokens</c> [N],
/// <c>decode_logits</c> [N, vocab]) — the layout of the mistral-tiny reference files, so any
/// backend's output can be compared with theirs.
/// </summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model(required: true);
        var tokens = new Option<string>("--tokens") { Description = "Comma-separated token ids, e.g. 1,2,3", Required = true, HelpName = "IDS" };
        var decode = new Option<int>("--decode") { Description = "Greedy decode steps after the prompt", DefaultValueFactory = _ => 0, HelpName = "N" };
        var output = new Option<string>("--out", "-o")
        {
            Description = "The safetensors file to write; its folder must exist. Only regular files are written: a folder, device, pipe or symbolic link at the path is refused (links are not followed)",
            Required = true,
            HelpName = "FILE",
        };
        var force = new Option<bool>("--force") { Description = "Replace --out if it is an existing regular file" };
        var runner = new ModelOptions.Runner(withContext: false);
        var backend = BackendOption.Create();
        var command = new Command("logits", "Write the logits of a token sequence (and of a greedy decode) to a safetensors file.")
        {
            model, tokens, decode, output, force, backend,
        };
        runner.AddTo(command);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.CheckTarget(path, "--out", parse.GetValue(force));
            int[] ids = ParseTokens(parse.GetValue(tokens)!);
            int steps = parse.GetValue(decode);
            if (steps < 0) throw new ArgumentException($"--decode must be 0 or more, got {steps}");
            string directory = ModelOptions.ResolveDirectory(parse.GetValue(model));
            using var loaded = runner.Load(parse, accelerator, directory);
            var (prefill, decodeTokens, decodeLogits) = Compute(loaded, ids, steps);
            var tensors = new List<SafetensorsTensorData>
            {
                SafetensorsTensorData.Int32("tokens", ids, ids.Length),
                SafetensorsTensorData.Float32("prefill_logits", prefill, ids.Length, loaded.Config.VocabSize),
            };
            if (steps > 0)
            {
                tensors.Add(SafetensorsTensorData.Int32("decode_tokens", decodeTokens, steps));
                tensors.Add(SafetensorsTensorData.Float32("decode_logits", decodeLogits, steps, loaded.Config.VocabSize));
            }
            var metadata = new Dictionary<string, string>
            {
                ["model"] = Path.GetFullPath(directory),
                ["backend"] = accelerator.Info.Backend.ToString(),
                ["device"] = accelerator.Info.Name,
                ["precision"] = Precision.Name(loaded.Precision),
            };
            OutputFiles.CheckTarget(path, "--out", parse.GetValue(force));
            SafetensorsWriter.Write(path, tensors, metadata);
            Console.Error.WriteLine($"wrote {path}: prefill_logits [{ids.Length}, {loaded.Config.VocabSize}]" + (steps > 0 ? $", decode_tokens [{steps}], decode_logits [{steps}, {loaded.Config.VocabSize}]" : ""));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Prefill logits from one pass over <paramref name="ids"/>, then <paramref name="steps"/> greedy
    /// tokens fed one at a time (decode token k = argmax of the previous logits row).
    /// </summary>
    public static (float[] Prefill, int[] DecodeTokens, float[] DecodeLogits) Compute(MistralModel model, int[] ids, int steps)
    {
        if ((long)ids.Length + steps > model.ContextLength)
            throw new ArgumentException($"--tokens ({ids.Length}) plus --decode ({steps}) exceed the model's context of {model.ContextLength} positions");
        int vocab = model.Config.VocabSize;
        using var transformer = new Transformer(model, maxChunk: ids.Length);
        transformer.CheckTokens(ids, 0);
        float[] prefill = transformer.AllLogits(ids);
        var decodeTokens = new int[steps];
        var decodeLogits = new float[(long)steps * vocab];
        ReadOnlySpan<float> last = prefill.AsSpan((ids.Length - 1) * vocab, vocab);
        for (int k = 0; k < steps; k++)
        {
            decodeTokens[k] = Sampler.ArgMax(last);
            var row = transformer.Decode(decodeTokens[k], ids.Length + k);
            var destination = decodeLogits.AsSpan(k * vocab, vocab);
            Transformer.CopyToHost(row, destination);
            FiniteLogits.Check(destination, vocab, ids.Length + k);
            last = destination;
        }
        return (prefill, decodeTokens, decodeLogits);
    }

    /// <summary>Parses "1,2,3"; a malformed entry is named in the error.</summary>
    public static int[] ParseTokens(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("--tokens is empty; give comma-separated ids such as 1,2,3");
        // Empty entries ("1,,2", "1,2,") are refused like --stop refuses them: a missing id is a typo, not nothing.
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]))
                throw new ArgumentException(parts[i].Length == 0
                    ? $"--tokens: entry {i + 1} of '{text}' is empty; give comma-separated ids such as 1,2,3"
                    : $"--tokens: '{parts[i]}' is not an integer token id");
        return ids;
    }
}
