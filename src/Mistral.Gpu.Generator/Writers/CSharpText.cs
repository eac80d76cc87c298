namespace Mistral.Gpu.Generator.Writers;

/// <summary>C# literal spellings for generated code.</summary>
internal static class CSharpText
{
    /// <summary>A verbatim string literal holding <paramref name="text"/> exactly.</summary>
    public static string Verbatim(string text) => "@\"" + text.Replace("\"", "\"\"") + "\"";

    /// <summary>A regular string literal (for one-line texts in messages).</summary>
    public static string Quoted(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Text safe inside an interpolated string's literal part.</summary>
    public static string ForInterpolation(string text) =>
        text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("{", "{{").Replace("}", "}}");
}
