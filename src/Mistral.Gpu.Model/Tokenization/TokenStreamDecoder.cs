using System.Text;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Decodes a token stream one id at a time and returns only complete UTF-8 text: a character split
/// across byte pieces (an "é" as &lt;0xC3&gt; &lt;0xA9&gt;, an emoji as four byte pieces) is held back
/// until its last byte arrives, so a console never shows half a character.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly List<byte> _pending = [];
    private bool _afterBos;

    internal TokenStreamDecoder(SentencePieceTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
    }

    /// <summary>Adds one id and returns the text that is now complete (possibly empty).</summary>
    /// <param name="id">The next token id.</param>
    public string Append(int id)
    {
        bool strip = _afterBos && _tokenizer.StripsSpaceAfterBos;
        // Control ids between BOS and the first text (a v3 [INST]) decode to nothing and keep the strip pending.
        if (id == _tokenizer.BosId)
            _afterBos = true;
        else if (!_tokenizer.IsControl(id))
            _afterBos = false;
        _tokenizer.AppendBytes(id, strip, _pending);
        int complete = CompletePrefixLength(_pending);
        if (complete == 0)
            return "";
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending)[..complete]);
        _pending.RemoveRange(0, complete);
        return text;
    }

    /// <summary>Returns whatever is still held (an unfinished sequence decodes to U+FFFD) and clears it.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
        return text;
    }

    /// <summary>Forgets held bytes and the after-BOS state, to start a new sequence.</summary>
    public void Reset()
    {
        _pending.Clear();
        _afterBos = false;
    }

    /// <summary>
    /// Length of the prefix that does not end inside a multi-byte sequence: look back (at most three
    /// bytes) for the last lead byte and hold it back when its sequence is not yet complete.
    /// </summary>
    private static int CompletePrefixLength(List<byte> bytes)
    {
        int count = bytes.Count;
        for (int back = 1; back <= Math.Min(4, count); back++)
        {
            byte b = bytes[count - back];
            if ((b & 0xC0) == 0x80)
                continue;
            int needed = b switch
            {
                >= 0xF0 and <= 0xF4 => 4,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xC2 and <= 0xDF => 2,
                _ => 1,
            };
            return needed > back ? count - back : count;
        }
        return count;
    }
}
