using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// How Spectre.Console writes to stdout. Redirected to a file or a pipe, output is plain text: no
/// ANSI escape codes (colours, cursor moves, hyperlinks) and no animations, whatever TERM claims.
/// </summary>
internal static class ConsoleSetup
{
    /// <summary>Replaces <see cref="AnsiConsole.Console"/> with a plain one when stdout is redirected.</summary>
    public static void Configure()
    {
        if (!Console.IsOutputRedirected) return;
        AnsiConsole.Console = Plain(Console.Out);
    }

    /// <summary>A console that writes plain text to <paramref name="writer"/>.</summary>
    public static IAnsiConsole Plain(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Capabilities.Links = false;
        return console;
    }
}
