using System.CommandLine;
using Mistral.Gpu.Model.Chat;
using Mistral.Gpu.Model.Generation;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu chat</c>: reads user messages from stdin, one per line, until EOF, and answers each
/// with the Mistral instruct template (<c>&lt;s&gt;[INST] user [/INST]answer&lt;/s&gt;...</c>). The whole
/// conversation is re-encoded every turn; the generator feeds only the tokens its KV cache does not
/// already hold, so earlier turns are not recomputed.
/// </summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var system = new Option<string?>("--system") { Description = "A system prompt, prepended to the first user message", HelpName = "TEXT" };
        var precision = ModelOptions.Precision();
        var context = ModelOptions.Context();
        var kvCache = ModelOptions.KvCache();
        var backend = BackendOption.Create();
        var sampling = new ModelOptions.Sampling();
        var command = new Command("chat", "Chat with an instruct model: one user message per line on stdin, until EOF.") { model, system };
        sampling.AddTo(command);
        command.Options.Add(backend);
        command.Options.Add(precision);
        command.Options.Add(context);
        command.Options.Add(kvCache);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            var options = sampling.Read(parse);
            sampling.ReadStopIds(parse);
            string directory = ModelOptions.ResolveDirectory(parse.GetValue(model));
            var tokenizer = ModelOptions.LoadTokenizer(directory);
            var stops = sampling.StopTokens(parse, directory, tokenizer.VocabSize);
            var template = new InstructTemplate(tokenizer);
            using var loaded = ModelOptions.Load(accelerator, directory, parse.GetValue(precision)!, parse.GetValue(context), parse.GetValue(kvCache)!);
            using var generator = new TextGenerator(loaded, tokenizer, extraStopTokens: stops);
            var messages = new List<ChatMessage>();
            if (parse.GetValue(system) is { Length: > 0 } systemPrompt) messages.Add(ChatMessage.System(systemPrompt));
            bool interactive = !Console.IsInputRedirected;
            while (true)
            {
                if (interactive) Console.Write("> ");
                string? line = Console.ReadLine();
                if (line is null) break;
                if (line.Trim().Length == 0) continue;
                messages.Add(ChatMessage.User(line));
                int[] prompt = template.Encode(messages);
                if (prompt.Length >= loaded.ContextLength)
                {
                    Console.Error.WriteLine($"error: the conversation ({prompt.Length} tokens) has filled the model's context of {loaded.ContextLength} positions");
                    return ModelOptions.ErrorExitCode;
                }
                var result = generator.Generate(prompt, options, token =>
                {
                    Console.Write(token.Text);
                    Console.Out.Flush();
                });
                Console.WriteLine();
                Console.Error.WriteLine(GenerateCommand.Summary(result, accelerator.Info.Name));
                messages.Add(ChatMessage.Assistant(result.Text.Trim()));
            }
            return 0;
        }));
        return command;
    }
}
