using System.CommandLine;
using System.Globalization;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Model.Runner;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu eval --model DIR --text FILE [--precision P] [--against fp32]</c>: perplexity of
/// a text; with <c>--against</c>, also how closely the chosen precision follows the reference
/// precision on it (top-1 agreement, mean KL divergence, largest logit difference), running both.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Largest text read: far more than any context scores, small enough to encode in seconds.</summary>
    public const long MaxTextBytes = 64L << 20;

    public static Command Create()
    {
        var model = ModelOptions.Model(required: true);
        var text = new Option<string>("--text") { Description = "A UTF-8 text file to score (a regular file of at most 64 MiB; encoded with BOS, cut to the context)", Required = true, HelpName = "FILE" };
        var runner = new ModelOptions.Runner();
        var against = new Option<string?>("--against") { Description = "Also run this precision (e.g. fp32) and compare the logits", HelpName = "fp32|fp16|int4" };
        var backend = BackendOption.Create();
        var command = new Command("eval", "Perplexity of a text, and agreement with a reference precision.") { model, text, against, backend };
        runner.AddTo(command);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            string path = parse.GetValue(text)!;
            byte[] bytes = FileKinds.ReadAllBytes(path, "--text", MaxTextBytes);
            string directory = ModelOptions.ResolveDirectory(parse.GetValue(model));
            var tokenizer = ModelOptions.LoadTokenizer(directory);
            int[] ids = tokenizer.Encode(System.Text.Encoding.UTF8.GetString(bytes), addBos: true);
            string chosen = parse.GetValue(runner.Precision)!;
            string? reference = parse.GetValue(against);
            using var loaded = runner.Load(parse, accelerator, directory);
            using var referenceModel = reference is null ? null : runner.Load(parse, accelerator, directory, precision: reference);
            if (ids.Length > loaded.ContextLength)
            {
                Console.Error.WriteLine($"note: the text has {ids.Length} tokens; scoring the first {loaded.ContextLength} (the context)");
                ids = ids[..loaded.ContextLength];
            }
            if (ids.Length < 2)
                throw new ArgumentException(loaded.ContextLength < 2
                    ? $"--context must be at least 2 for eval (scoring needs two tokens), got {loaded.ContextLength}"
                    : $"--text {path} has no text to score: it needs at least one token after BOS");
            using var pass = new Transformer(loaded);
            using var referencePass = referenceModel is null ? null : new Transformer(referenceModel);
            var result = TextEvaluation.Evaluate(pass, referencePass, ids);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"{chosen}: {result.Tokens} tokens scored, perplexity {result.Perplexity:0.0000} (mean NLL {result.MeanNll:0.00000} nats)"));
            if (reference is not null)
            {
                Console.WriteLine(string.Create(c, $"{reference}: perplexity {result.ReferencePerplexity:0.0000}"));
                Console.WriteLine(string.Create(c, $"{chosen} vs {reference}: top-1 agreement {result.Top1Agreement:0.0000}, mean KL {result.MeanKl:0.000000} nats, max |Δlogit| {result.MaxAbsLogitDiff:0.0000}"));
            }
            return 0;
        }));
        return command;
    }
}
