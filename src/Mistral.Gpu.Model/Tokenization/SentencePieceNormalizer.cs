using System.Text;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Applies the normalizer flags a sentencepiece model carries: remove extra whitespace (drop leading
/// and trailing spaces, collapse runs), add the dummy-prefix space, and write spaces as U+2581.
/// Only U+0020 counts as a space here, as in sentencepiece's identity normalizer: tabs and newlines
/// are ordinary characters.
/// </summary>
internal static class SentencePieceNormalizer
{
    public const char SpaceSymbol = '\u2581';

    public static string Normalize(string text, SentencePieceModel model)
    {
        string body = model.RemoveExtraWhitespaces ? CollapseSpaces(text) : text;
        if (body.Length == 0)
            return body;
        char space = model.EscapeWhitespaces ? SpaceSymbol : ' ';
        var result = new StringBuilder(body.Length + 1);
        if (model.AddDummyPrefix)
            result.Append(space);
        foreach (char c in body)
            result.Append(c == ' ' ? space : c);
        return result.ToString();
    }

    private static string CollapseSpaces(string text)
    {
        var result = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (c == ' ')
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (pendingSpace)
                result.Append(' ');
            pendingSpace = false;
            result.Append(c);
        }
        return result.ToString();
    }
}
