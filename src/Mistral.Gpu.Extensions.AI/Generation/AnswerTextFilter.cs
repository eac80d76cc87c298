namespace Mistral.Gpu.Extensions.AI.Generation;

/// <summary>
/// Shapes the decoded pieces into the answer a caller sees: drops the dummy-prefix space of an
/// instruct answer and cuts the text before the first stop sequence. Text that could still turn
/// into a stop sequence is held back, so a stream never shows part of one.
/// </summary>
internal sealed class AnswerTextFilter(bool stripLeadingSpace, IReadOnlyList<string> stopSequences)
{
    private readonly System.Text.StringBuilder _pending = new();
    private bool _stripLeadingSpace = stripLeadingSpace;

    /// <summary>True once a stop sequence has been seen; later text is dropped.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds a decoded piece and returns the text that is now final (possibly empty).</summary>
    public string Append(string piece)
    {
        if (Stopped || piece.Length == 0) return "";
        if (_stripLeadingSpace)
        {
            // Only the first piece carries the dummy prefix, as sentencepiece decodes it.
            _stripLeadingSpace = false;
            if (piece[0] == ' ') piece = piece[1..];
            if (piece.Length == 0) return "";
        }
        if (stopSequences.Count == 0) return piece;

        _pending.Append(piece);
        string pending = _pending.ToString();
        int stopAt = FirstStop(pending);
        if (stopAt >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return pending[..stopAt];
        }
        int held = LongestPartialStop(pending);
        _pending.Clear().Append(pending, pending.Length - held, held);
        return pending[..^held];
    }

    /// <summary>The held-back text once generation has ended without completing a stop sequence.</summary>
    public string Flush()
    {
        if (Stopped) return "";
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private int FirstStop(string text)
    {
        int first = -1;
        foreach (string stop in stopSequences)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /// <summary>Length of the longest end of <paramref name="text"/> that begins some stop sequence.</summary>
    private int LongestPartialStop(string text)
    {
        int longest = 0;
        foreach (string stop in stopSequences)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (string.CompareOrdinal(text, text.Length - length, stop, 0, length) == 0)
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
