using System.Text;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>Indented text, one line at a time, with '\n' line endings on every platform.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder text = new();
    private int depth;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) text.Append(' ', depth * 4).Append(line);
        text.Append('\n');
        return this;
    }

    public CodeWriter Open(string? header = null)
    {
        if (header is not null) Line(header);
        Line("{");
        depth++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        depth--;
        Line("}" + suffix);
        return this;
    }

    public CodeWriter Indent()
    {
        depth++;
        return this;
    }

    public CodeWriter Outdent()
    {
        depth--;
        return this;
    }

    /// <summary>Appends pre-formatted lines at the current depth.</summary>
    public CodeWriter Lines(string block)
    {
        foreach (var line in block.Replace("\r\n", "\n").TrimEnd('\n').Split('\n')) Line(line);
        return this;
    }

    public override string ToString() => text.ToString();
}
