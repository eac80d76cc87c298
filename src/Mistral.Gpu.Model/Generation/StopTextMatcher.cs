using System.Text;

namespace Mistral.Gpu.Model.Generation;

/// <summary>
/// Watches streamed text for stop texts. Text is released as soon as it cannot be the start of a
/// stop text; a tail that could be is held back until the next piece decides. When a stop text
/// appears, what precedes it is released and the stop text itself (and anything after) never is.
/// </summary>
internal sealed class StopTextMatcher
{
    private readonly string[] stops;
    private readonly StringBuilder pending = new();

    /// <summary>Creates a matcher; with no stop texts every piece is released unchanged.</summary>
    public StopTextMatcher(IReadOnlyList<string>? stopTexts) =>
        stops = stopTexts is null ? [] : [.. stopTexts.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal)];

    /// <summary>Adds <paramref name="piece"/>; returns the text now safe to show.</summary>
    /// <param name="piece">Newly decoded text.</param>
    /// <param name="stopped">The stop text found, or null.</param>
    public string Feed(string piece, out string? stopped)
    {
        stopped = null;
        if (stops.Length == 0) return piece;
        pending.Append(piece);
        string text = pending.ToString();

        // The earliest stop text wins; at the same position, the longer one.
        int at = -1;
        foreach (string stop in stops)
        {
            int found = text.IndexOf(stop, StringComparison.Ordinal);
            if (found >= 0 && (at < 0 || found < at || (found == at && stop.Length > stopped!.Length))) (at, stopped) = (found, stop);
        }
        if (at >= 0)
        {
            pending.Clear();
            return text[..at];
        }

        int hold = 0;
        foreach (string stop in stops)
            for (int length = Math.Min(stop.Length - 1, text.Length); length > hold; length--)
                if (string.CompareOrdinal(text, text.Length - length, stop, 0, length) == 0)
                {
                    hold = length;
                    break;
                }
        pending.Clear().Append(text, text.Length - hold, hold);
        return text[..^hold];
    }

    /// <summary>The text held back, released because no more text will come.</summary>
    public string Release()
    {
        string text = pending.ToString();
        pending.Clear();
        return text;
    }
}
