using System.CommandLine;
using System.Text.Json;
using Mistral.Gpu.Model.Generation;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu generate [PROMPT]</c>: streams a continuation of the prompt, then prints tokens/s
/// on stderr; <c>--json</c> prints one object instead. Greedy by default (temperature 0), so the
/// output is reproducible; pass <c>--temperature 0.8 --top-p 0.9</c> for llama2.c-style sampling.
/// </summary>
internal static class GenerateCommand
{
    public const string DefaultPrompt = "Once upon a time";

    public static Command Create()
    {
        var prompt = new Argument<string>("PROMPT") { Description = "The text to continue", DefaultValueFactory = _ => DefaultPrompt };
        var model = ModelOptions.Model();
        var runner = new ModelOptions.Runner();
        var backend = BackendOption.Create();
        var sampling = new ModelOptions.Sampling();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: prompt_tokens, tokens (generated ids), text, tokens_per_second" };
        var command = new Command("generate", "Generate text from a prompt (default model: the shipped stories260k).") { prompt, model };
        sampling.AddTo(command);
        command.Options.Add(backend);
        runner.AddTo(command);
        command.Options.Add(json);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            using var session = ModelOptions.Session.Open(parse, accelerator, model, runner, sampling);
            var (tokenizer, generator, options) = (session.Tokenizer, session.Generator, session.Sampling);
            string text = parse.GetValue(prompt) ?? DefaultPrompt;
            // Encode and check the prompt before echoing it: a prompt that does not fit is one error line, nothing on stdout.
            int[] promptTokens = tokenizer.Encode(text, addBos: true);
            generator.CheckPrompt(promptTokens);
            bool asJson = parse.GetValue(json);
            var stdout = Console.Out;
            if (!asJson) stdout.Write(text);
            var result = generator.Generate(promptTokens, options, asJson ? null : token =>
            {
                stdout.Write(token.Text);
                stdout.Flush();
            });
            if (asJson) WriteJson(stdout, result);
            else stdout.WriteLine();
            Console.Error.WriteLine(Summary(result, accelerator.Info.Name));
            return 0;
        }));
        return command;
    }

    /// <summary>One line: prompt and decode throughput, and why it stopped.</summary>
    public static string Summary(GenerationResult result, string device) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{device}: prefill {result.PrefillTokens} tokens at {result.PrefillTokensPerSecond:0.0} tok/s, decode {result.Tokens.Count} tokens at {result.DecodeTokensPerSecond:0.0} tok/s (stopped: {Stopped(result)})");

    private static string Stopped(GenerationResult result) => result.StopReason switch
    {
        StopReason.StopToken when result.StopToken is { } id => $"stop token {id}",
        StopReason.StopText when result.StopText is { } stop => $"stop text {System.Text.Json.JsonSerializer.Serialize(stop)}",
        var other => other.ToString(),
    };

    private static void WriteJson(TextWriter output, GenerationResult result)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            WriteIds(writer, "prompt_tokens", result.PromptTokens);
            WriteIds(writer, "tokens", result.Tokens);
            writer.WriteString("text", result.Text);
            writer.WriteNumber("tokens_per_second", Math.Round(result.DecodeTokensPerSecond, 3));
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<int> ids)
    {
        writer.WriteStartArray(name);
        foreach (int id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}
