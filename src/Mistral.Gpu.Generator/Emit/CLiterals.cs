using System;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>C spellings of C# constants: exact (round-trippable) floats, suffixed wide integers.</summary>
internal static class CLiterals
{
    private static readonly Regex plainInteger = new("^(0[xX][0-9A-Fa-f]+|[0-9]+)[uU]?$");

    /// <summary>The literal token as written when C reads it the same way (keeps <c>0xFFFFu</c> readable).</summary>
    public static string? AsWritten(SyntaxToken token, ITypeSymbol? type) =>
        type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_UInt32 && plainInteger.IsMatch(token.Text)
            ? token.Text
            : null;

    public static string Format(object? value, ITypeSymbol? type, Dialect dialect)
    {
        value = ConvertTo(value, type);
        string text = value switch
        {
            bool b => b ? "true" : "false",
            float f => Float(f, dialect),
            double d => Double(d),
            int i => i == int.MinValue ? "(-2147483647 - 1)" : i.ToString(CultureInfo.InvariantCulture),
            uint u => u.ToString(CultureInfo.InvariantCulture) + "u",
            long l => l == long.MinValue ? "(-9223372036854775807" + dialect.LongSuffix + " - 1)" : l.ToString(CultureInfo.InvariantCulture) + dialect.LongSuffix,
            ulong ul => ul.ToString(CultureInfo.InvariantCulture) + dialect.ULongSuffix,
            char c => ((int)c).ToString(CultureInfo.InvariantCulture),
            byte or sbyte or short or ushort => Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            _ => "0",
        };
        // A negative literal after a unary minus would read as a decrement.
        return text.StartsWith("-", StringComparison.Ordinal) ? "(" + text + ")" : text;
    }

    /// <summary>The constant converted to the type the operation uses (an int literal in float arithmetic becomes a float).</summary>
    public static object? ConvertTo(object? value, ITypeSymbol? type)
    {
        if (value is null || type is null || value is bool) return value;
        try
        {
            return type.SpecialType switch
            {
                SpecialType.System_Single => Convert.ToSingle(value, CultureInfo.InvariantCulture),
                SpecialType.System_Double => Convert.ToDouble(value, CultureInfo.InvariantCulture),
                SpecialType.System_Int32 => value is uint u ? unchecked((int)u) : Convert.ToInt32(value, CultureInfo.InvariantCulture),
                SpecialType.System_UInt32 => value is int i ? unchecked((uint)i) : Convert.ToUInt32(value, CultureInfo.InvariantCulture),
                SpecialType.System_Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
                SpecialType.System_UInt64 => value is long l ? unchecked((ulong)l) : Convert.ToUInt64(value, CultureInfo.InvariantCulture),
                _ => value,
            };
        }
        catch (OverflowException)
        {
            return value;
        }
    }

    private static string Float(float f, Dialect dialect)
    {
        if (float.IsNaN(f)) return dialect.FloatNaN;
        if (float.IsPositiveInfinity(f)) return dialect.FloatInfinity;
        if (float.IsNegativeInfinity(f)) return dialect.FloatNegativeInfinity;
        return Decimal(f.ToString("R", CultureInfo.InvariantCulture)) + "f";
    }

    private static string Double(double d)
    {
        if (double.IsNaN(d)) return "(0.0 / 0.0)";
        if (double.IsPositiveInfinity(d)) return "(1.0 / 0.0)";
        if (double.IsNegativeInfinity(d)) return "(-1.0 / 0.0)";
        return Decimal(d.ToString("R", CultureInfo.InvariantCulture));
    }

    private static string Decimal(string roundTrip)
    {
        string text = roundTrip.Replace("E", "e");
        return text.Contains(".") || text.Contains("e") ? text : text + ".0";
    }
}
