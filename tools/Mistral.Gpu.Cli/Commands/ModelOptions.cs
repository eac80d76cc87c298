using System.CommandLine;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Model.Sampling;
using Mistral.Gpu.Model.Tokenization;
using Mistral.Gpu.Runtime;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// The options the model commands (generate, chat, logits, eval) share, loading a model with a
/// progress bar, and turning errors into one line and exit code 2.
/// </summary>
internal static class ModelOptions
{
    /// <summary>Exit code for bad input: a missing model, a bad token id, a bad option.</summary>
    public const int ErrorExitCode = 2;

    /// <summary>Checkpoints at least this large show a progress bar while loading (on a terminal).</summary>
    private const long ProgressBarBytes = 64L << 20;

    /// <summary>The model shipped with the tool: llama2.c's stories260K (MIT), next to the executable.</summary>
    public static string DefaultModelDirectory => Path.Combine(AppContext.BaseDirectory, "DefaultModel", "stories260k");

    public static Option<string?> Model(bool required = false) => new("--model", "-m")
    {
        Description = required ? "Model folder (params.json + consolidated.safetensors, or config.json + model*.safetensors, and tokenizer.model)"
                               : "Model folder (default: the shipped stories260k)",
        HelpName = "DIR",
        Required = required,
    };

    // Checked when the command runs (not by the parser) so a bad value is one line and exit code 2.
    public static Option<string> Precision() => new("--precision", "-p")
    {
        Description = "Weight format on the device: fp32 (exact), fp16, or int4 (quantized on load, group size 32)",
        DefaultValueFactory = _ => "fp32",
        HelpName = "fp32|fp16|int4",
    };

    public static Option<int?> Context() => new("--context")
    {
        Description = "Longest context in positions (default: the config's max_seq_len); sizes the KV cache when the model has no sliding window",
        HelpName = "N",
    };

    /// <summary>The sampling options of generate and chat.</summary>
    public sealed class Sampling
    {
        public Option<int> MaxTokens { get; } = new("--max-tokens", "-n") { Description = "Most tokens to generate", DefaultValueFactory = _ => 256, HelpName = "N" };
        public Option<float> Temperature { get; } = new("--temperature", "-t") { Description = "0 = greedy (the default, reproducible); higher = more random", DefaultValueFactory = _ => 0f, HelpName = "T" };
        public Option<int> TopK { get; } = new("--top-k") { Description = "Sample among the K most likely tokens only; 0 = all", DefaultValueFactory = _ => 0, HelpName = "K" };
        public Option<float> TopP { get; } = new("--top-p") { Description = "Nucleus sampling: the smallest set of tokens whose probability reaches P; 1 = all", DefaultValueFactory = _ => 1f, HelpName = "P" };
        public Option<long?> Seed { get; } = new("--seed", "-s") { Description = "Random seed for sampling (default: random)", HelpName = "S" };

        public void AddTo(Command command)
        {
            command.Options.Add(MaxTokens);
            command.Options.Add(Temperature);
            command.Options.Add(TopK);
            command.Options.Add(TopP);
            command.Options.Add(Seed);
        }

        /// <summary>The options as parsed; stop tokens stay null so the generator uses the model's (EOS and BOS).</summary>
        public SamplingOptions Read(ParseResult parse) => new SamplingOptions(
            Temperature: parse.GetValue(Temperature),
            TopK: parse.GetValue(TopK),
            TopP: parse.GetValue(TopP),
            Seed: parse.GetValue(Seed),
            MaxTokens: parse.GetValue(MaxTokens)).Validate();
    }

    /// <summary>The model folder: the option's value, or the shipped default; it must exist.</summary>
    public static string ResolveDirectory(string? given)
    {
        string directory = string.IsNullOrEmpty(given) ? DefaultModelDirectory : given;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"model folder not found: {directory}");
        return directory;
    }

    /// <summary>Loads the tokenizer of a model folder (<c>tokenizer.model</c>).</summary>
    public static SentencePieceTokenizer LoadTokenizer(string directory)
    {
        string path = Path.Combine(directory, "tokenizer.model");
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer not found: {path}", path);
        return SentencePieceTokenizer.Load(path);
    }

    /// <summary>
    /// Loads the model in <paramref name="directory"/> onto <paramref name="accelerator"/>; notes go to
    /// stderr, and a big checkpoint shows a progress bar when stderr is a terminal.
    /// </summary>
    public static MistralModel Load(Accelerator accelerator, string directory, string precision, int? context)
    {
        var files = CheckpointFiles.Detect(directory);
        long bytes = files.WeightPaths.Sum(p => new FileInfo(p).Length);
        var options = new ModelLoadOptions
        {
            Precision = global::Mistral.Gpu.Model.Runner.Precision.Parse(precision),
            ContextLength = context,
            Files = files,
            Log = line => Console.Error.WriteLine(line),
        };
        if (bytes < ProgressBarBytes || Console.IsErrorRedirected)
            return MistralModel.Load(accelerator, directory, options);

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        MistralModel? model = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask($"loading {Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))} ({precision})");
                model = MistralModel.Load(accelerator, directory, options with
                {
                    Progress = (done, total, _) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                    },
                });
            });
        return model!;
    }

    /// <summary>
    /// Runs a command body on the chosen backend; any error becomes one line on stderr naming the
    /// file or argument, and exit code 2 — no stack trace.
    /// </summary>
    public static int Run(ParseResult parse, Option<string?> backend, Func<Accelerator, int> body)
    {
        try
        {
            return BackendOption.Run(parse, backend, body);
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {Describe(e)}");
            return ErrorExitCode;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        // ArgumentException appends " (Parameter 'x')"; the message already names what is wrong.
        ArgumentException a when a.ParamName is not null && a.Message.EndsWith($" (Parameter '{a.ParamName}')", StringComparison.Ordinal) =>
            a.Message[..^$" (Parameter '{a.ParamName}')".Length],
        ArgumentException or IOException or InvalidDataException or BackendUnavailableException or InvalidOperationException or NotSupportedException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
