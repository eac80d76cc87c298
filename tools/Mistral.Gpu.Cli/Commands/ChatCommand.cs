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
        var runner = new ModelOptions.Runner();
        var backend = BackendOption.Create();
        var sampling = new ModelOptions.Sampling();
        var command = new Command("chat", "Chat with an instruct model: one user message per line on stdin, until EOF.") { model, system };
        sampling.AddTo(command);
        command.Options.Add(backend);
        runner.AddTo(command);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            using var session = ModelOptions.Session.Open(parse, accelerator, model, runner, sampling);
            var (loaded, generator, options) = (session.Model, session.Generator, session.Sampling);
            var template = new InstructTemplate(session.Tokenizer);
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
