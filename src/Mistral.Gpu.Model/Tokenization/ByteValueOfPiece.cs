using System.Globalization;

namespace Mistral.Gpu.Model.Tokenization;

/// <summary>Parses and formats byte-fallback piece text, <c>&lt;0xXX&gt;</c> with two uppercase hex digits.</summary>
public static class ByteValueOfPiece
{
    /// <summary>The byte <paramref name="text"/> stands for, when it is exactly <c>&lt;0xXX&gt;</c>.</summary>
    /// <param name="text">A piece's text.</param>
    /// <param name="value">The byte.</param>
    public static bool TryParse(string text, out byte value)
    {
        value = 0;
        return text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && IsUpperHex(text[3]) && IsUpperHex(text[4])
            && byte.TryParse(text.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The piece text for <paramref name="value"/>, e.g. <c>&lt;0x0A&gt;</c>.</summary>
    /// <param name="value">The byte.</param>
    public static string Format(byte value) => $"<0x{value:X2}>";

    private static bool IsUpperHex(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F');
}
