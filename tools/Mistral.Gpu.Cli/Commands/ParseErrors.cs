using System.CommandLine;
using System.CommandLine.Parsing;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Reports a command line the parser refused as one line <c>error: ...</c> and exit code 2, like every
/// other bad input: a value that is not a number names the option and the range it takes, instead of
/// System.CommandLine's .NET type name (<c>System.Nullable`1[System.Int64]</c>) and a page of help.
/// </summary>
internal static class ParseErrors
{
    public static int Report(ParseResult parse)
    {
        ParseError first = parse.Errors[0];
        Console.Out.Flush();
        Console.Error.WriteLine($"error: {Describe(first)}");
        return ModelOptions.ErrorExitCode;
    }

    private static string Describe(ParseError error)
    {
        OptionResult? option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        // System.CommandLine lists allowed values one per line; the report is one line.
        string message = string.Join(" ", error.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (option is null)
            return message + " (see --help)";
        if (Takes(option.Option.ValueType) is not { } takes)
            return message.Contains(option.Option.Name, StringComparison.Ordinal) ? message : $"{option.Option.Name}: {message}";
        string given = option.Tokens.Count > 0 ? string.Join(" ", option.Tokens.Select(t => t.Value)) : "nothing";
        return $"{option.Option.Name} takes {takes}, got '{given}'";
    }

    /// <summary>What values of a type look like, in words, with their range.</summary>
    public static string? Takes(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => $"a whole number from {int.MinValue} to {int.MaxValue}",
        var t when t == typeof(long) => $"a whole number from {long.MinValue} to {long.MaxValue}",
        var t when t == typeof(float) || t == typeof(double) => "a number such as 0.8",
        var t when t == typeof(bool) => "true or false (or nothing)",
        _ => null,
    };
}
