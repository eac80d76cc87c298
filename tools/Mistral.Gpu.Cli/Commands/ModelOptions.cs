using System.CommandLine;
using Mistral.Gpu.Model.Generation;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Model.Checkpoints.Gguf;
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
        Description = required ? "Model folder (params.json + consolidated.safetensors, or config.json + model*.safetensors, and tokenizer.model) or a .gguf file"
                               : "Model folder or .gguf file (default: the shipped stories260k)",
        HelpName = "PATH",
        Required = required,
    };

    // Checked when the command runs (not by the parser) so a bad value is one line and exit code 2.
    public static Option<string> Precision() => new("--precision", "-p")
    {
        Description = "Weight format on the device: fp32 (exact), fp16, or int4 (quantized on load, group size 32)",
        DefaultValueFactory = _ => "fp32",
        HelpName = "fp32|fp16|int4",
    };

    // Checked when the command runs, like --precision.
    // The model commands default to the device's format (fp16); the bench names what it measured in its report.
    public static Option<string> KvCache(string defaultValue = Auto) => new("--kv-cache")
    {
        Description = "How the KV cache stores keys and values: fp32 (exact) or fp16 (half the memory and of the bytes a decode step reads)" +
            (defaultValue == Auto ? "; auto: fp16" : ""),
        DefaultValueFactory = _ => defaultValue,
        HelpName = defaultValue == Auto ? "auto|fp32|fp16" : "fp32|fp16",
    };

    /// <summary>The --kv-cache value that takes the device's default format.</summary>
    public const string Auto = "auto";

    public static Option<int?> Context() => new("--context")
    {
        Description = "Longest context in positions (default: the config's max_seq_len); sizes the KV cache when the model has no sliding window",
        HelpName = "N",
    };

    /// <summary>How a command runs the model: weight precision, the context (where the command has one) and the KV cache format.</summary>
    public sealed class Runner(bool withContext = true)
    {
        public Option<string> Precision { get; } = ModelOptions.Precision();
        public Option<int?>? Context { get; } = withContext ? ModelOptions.Context() : null;
        public Option<string> KvCache { get; } = ModelOptions.KvCache();

        public void AddTo(Command command)
        {
            command.Options.Add(Precision);
            if (Context is not null) command.Options.Add(Context);
            command.Options.Add(KvCache);
        }

        /// <summary>The model in <paramref name="directory"/> as the options ask (or at <paramref name="precision"/> and an fp32 cache, for a reference run).</summary>
        public MistralModel Load(ParseResult parse, Accelerator accelerator, string directory, string? precision = null) =>
            ModelOptions.Load(accelerator, directory, precision ?? parse.GetValue(Precision)!, Context is null ? null : parse.GetValue(Context),
                precision is null ? parse.GetValue(KvCache)! : "fp32", precision is null ? "--precision" : "--against");
    }

    /// <summary>What generate and chat run: the tokenizer, the loaded model and a generator stopping where the options say.</summary>
    public sealed class Session(SentencePieceTokenizer tokenizer, MistralModel model, TextGenerator generator, SamplingOptions sampling) : IDisposable
    {
        public SentencePieceTokenizer Tokenizer { get; } = tokenizer;
        public MistralModel Model { get; } = model;
        public TextGenerator Generator { get; } = generator;
        public SamplingOptions Sampling { get; } = sampling;

        /// <summary>Reads the sampling options (failing before anything loads), then the tokenizer, the stop ids and the model.</summary>
        public static Session Open(ParseResult parse, Accelerator accelerator, Option<string?> modelOption, Runner runner, ModelOptions.Sampling sampling)
        {
            var options = sampling.Read(parse);
            sampling.ReadStopIds(parse);
            string directory = ResolveDirectory(parse.GetValue(modelOption));
            var tokenizer = LoadTokenizer(directory);
            var stops = sampling.StopTokens(parse, directory, tokenizer.VocabSize);
            var model = runner.Load(parse, accelerator, directory);
            try
            {
                return new Session(tokenizer, model, new TextGenerator(model, tokenizer, extraStopTokens: stops), options);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Generator.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>The sampling options of generate and chat.</summary>
    public sealed class Sampling
    {
        public Option<int> MaxTokens { get; } = new("--max-tokens", "-n") { Description = "Most tokens to generate", DefaultValueFactory = _ => 256, HelpName = "N" };
        public Option<float> Temperature { get; } = new("--temperature", "-t") { Description = "0 = greedy (the default, reproducible); higher = more random", DefaultValueFactory = _ => 0f, HelpName = "T" };
        public Option<int> TopK { get; } = new("--top-k") { Description = "Sample among the K most likely tokens only; 0 = all", DefaultValueFactory = _ => 0, HelpName = "K" };
        public Option<float> TopP { get; } = new("--top-p") { Description = "Nucleus sampling: the smallest set of tokens whose probability reaches P; 1 = all", DefaultValueFactory = _ => 1f, HelpName = "P" };
        public Option<long?> Seed { get; } = new("--seed", "-s") { Description = "Random seed for sampling (default: random)", HelpName = "S" };

        // Strings, checked when the command runs, so "--stop abc" is one line naming the option.
        public Option<string[]> Stop { get; } = new("--stop")
        {
            Description = "Also stop at these token ids (comma-separated; repeatable), besides EOS, BOS and generation_config.json's eos_token_id",
            HelpName = "ID[,ID...]",
        };

        public Option<string[]> StopText { get; } = new("--stop-text")
        {
            Description = "Stop when the generated text reaches this text, which is not printed (repeatable)",
            HelpName = "TEXT",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(MaxTokens);
            command.Options.Add(Temperature);
            command.Options.Add(TopK);
            command.Options.Add(TopP);
            command.Options.Add(Seed);
            command.Options.Add(Stop);
            command.Options.Add(StopText);
        }

        /// <summary>
        /// The options as parsed; stop token ids stay null so the generator uses its own (EOS, BOS and
        /// the extra ones from <see cref="StopTokens"/>).
        /// </summary>
        /// <exception cref="ArgumentException">A value out of range, or an empty <c>--stop-text</c>, named.</exception>
        public SamplingOptions Read(ParseResult parse)
        {
            string[] texts = parse.GetValue(StopText) ?? [];
            if (texts.Any(string.IsNullOrEmpty)) throw new ArgumentException("--stop-text must not be empty.");
            var options = new SamplingOptions(
                Temperature: parse.GetValue(Temperature),
                TopK: parse.GetValue(TopK),
                TopP: parse.GetValue(TopP),
                Seed: parse.GetValue(Seed),
                MaxTokens: parse.GetValue(MaxTokens),
                StopTexts: texts.Length > 0 ? texts : null);
            try
            {
                return options.Validate();
            }
            catch (ArgumentException e) when (e.ParamName is { } name && OptionOf(name) is { } option)
            {
                // The library names its properties (TopP); the user typed an option (--top-p).
                throw new ArgumentException(option.Name + Describe(e)[name.Length..], e);
            }
        }

        private Option? OptionOf(string property) => property switch
        {
            nameof(SamplingOptions.Temperature) => Temperature,
            nameof(SamplingOptions.TopK) => TopK,
            nameof(SamplingOptions.TopP) => TopP,
            nameof(SamplingOptions.MaxTokens) => MaxTokens,
            _ => null,
        };

        /// <summary>The <c>--stop</c> ids, as written (the vocabulary is checked by <see cref="StopTokens"/>).</summary>
        /// <exception cref="ArgumentException">A value that is not a list of whole numbers.</exception>
        public IReadOnlyList<int> ReadStopIds(ParseResult parse)
        {
            var ids = new List<int>();
            foreach (string value in parse.GetValue(Stop) ?? [])
                foreach (string part in value.Split(',', StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(part, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int id))
                        throw new ArgumentException($"--stop takes token ids such as 2 or 2,13; '{part}' is not a token id.");
                    ids.Add(id);
                }
            return ids;
        }

        /// <summary>
        /// The extra stop tokens for a model folder: <c>eos_token_id</c> from its
        /// <c>generation_config.json</c> when it has one, then the <c>--stop</c> ids; each checked
        /// against the vocabulary, the error naming the file or the option.
        /// </summary>
        public IReadOnlyList<int> StopTokens(ParseResult parse, string directory, int vocabSize)
        {
            var ids = new List<int>(GenerationConfig.Read(directory).CheckVocabulary(vocabSize).EosTokenIds);
            foreach (int id in ReadStopIds(parse))
            {
                if (id < 0 || id >= vocabSize)
                    throw new ArgumentException($"--stop: token id {id} is outside the model's vocabulary of {vocabSize} tokens (0..{vocabSize - 1}).");
                ids.Add(id);
            }
            return ids;
        }
    }

    /// <summary>The model folder or .gguf file: the option's value, or the shipped default; it must exist.</summary>
    public static string ResolveDirectory(string? given)
    {
        string path = string.IsNullOrEmpty(given) ? DefaultModelDirectory : given;
        try { return ModelPath.Check(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException("--model: " + e.Message, path, e); }
        catch (DirectoryNotFoundException e) { throw new DirectoryNotFoundException("--model: " + e.Message, e); }
    }

    /// <summary>
    /// Loads the tokenizer of a model folder (<c>tokenizer.model</c>, or v0.3's <c>tokenizer.model.v3</c>) or of a .gguf
    /// file, and checks that a folder's tokenizer fits its config, naming both files when the vocabularies differ
    /// (before any weight is read).
    /// </summary>
    public static SentencePieceTokenizer LoadTokenizer(string directory)
    {
        var tokenizer = ModelTokenizer.Load(directory);
        if (GgufCheckpoint.IsGgufPath(directory)) return tokenizer;
        string path = ModelTokenizer.FileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists) ?? directory;
        var files = CheckpointFiles.Detect(directory);
        var config = files.Layout == CheckpointLayout.Native ? ModelConfigReader.ReadNative(files.ConfigPath) : ModelConfigReader.ReadHuggingFace(files.ConfigPath);
        if (tokenizer.VocabSize != config.VocabSize)
            throw new InvalidDataException($"{path}: the tokenizer has {tokenizer.VocabSize} pieces but {files.ConfigPath} declares vocab_size {config.VocabSize}; the tokenizer belongs to another model");
        return tokenizer;
    }

    /// <summary>
    /// Loads the model in <paramref name="directory"/> onto <paramref name="accelerator"/>, its Transformers using the
    /// <paramref name="kvCache"/> format (fp32 or fp16); notes go to stderr, and a big checkpoint shows a progress bar
    /// when stderr is a terminal.
    /// </summary>
    public static MistralModel Load(Accelerator accelerator, string directory, string precision, int? context, string kvCache = Auto, string precisionOption = "--precision")
    {
        if (context is <= 0 or > MistralModel.MaxPositions)
            throw new ArgumentException($"--context must be a number of positions from 1 to {MistralModel.MaxPositions}, got {context}.");
        // The library speaks of its option type; the user typed an option.
        KvCacheFormat? cacheFormat;
        WeightFormat weightFormat;
        try { cacheFormat = kvCache.Trim().Equals(Auto, StringComparison.OrdinalIgnoreCase) ? null : KvCacheFormats.Parse(kvCache); }
        catch (ArgumentException e) { throw new ArgumentException($"--kv-cache: unknown KV cache format '{kvCache}': use {Auto}, fp32 or fp16.", e); }
        try { weightFormat = global::Mistral.Gpu.Model.Runner.Precision.Parse(precision); }
        catch (ArgumentException e) { throw new ArgumentException($"{precisionOption}: " + Describe(e), e); }
        var files = GgufCheckpoint.IsGgufPath(directory) ? null : CheckpointFiles.Detect(directory);
        long bytes = files?.WeightPaths.Sum(p => new FileInfo(p).Length) ?? new FileInfo(directory).Length;
        var options = new ModelLoadOptions
        {
            Precision = weightFormat,
            KvCache = cacheFormat,
            ContextLength = context,
            Files = files,
            Log = line => Console.Error.WriteLine($"note: {line}"),
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
            return ReportError(e);
        }
    }

    /// <summary>Prints <paramref name="e"/> as one line <c>error: ...</c> on stderr (after flushing stdout); returns <see cref="ErrorExitCode"/>.</summary>
    public static int ReportError(Exception e)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"error: {Describe(e)}");
        return ErrorExitCode;
    }

    /// <summary>
    /// The exception's message as one sentence for a user: without the " (Parameter 'x')" and
    /// "Actual value was ..." that ArgumentException appends (the message already names what is
    /// wrong), on one line.
    /// </summary>
    public static string Describe(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        if (e is ArgumentOutOfRangeException { ActualValue: not null } && message.IndexOf("Actual value was", StringComparison.Ordinal) is > 0 and var actual)
            message = message[..actual];
        message = string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return e is ArgumentException or IOException or InvalidDataException or BackendUnavailableException or InvalidOperationException
            or NotSupportedException or UnauthorizedAccessException or FormatException
            ? message
            : $"{e.GetType().Name}: {message}";
    }
}
