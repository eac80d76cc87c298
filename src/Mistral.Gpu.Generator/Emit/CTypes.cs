using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>The C# types device code may hold, and their C spellings shared by both dialects.</summary>
internal static class CTypes
{
    private static readonly Dictionary<string, string> common = new()
    {
        ["void"] = "void",
        ["bool"] = "bool",
        ["byte"] = "uchar",
        ["short"] = "short",
        ["ushort"] = "ushort",
        ["int"] = "int",
        ["uint"] = "uint",
        ["float"] = "float",
        ["double"] = "double",
        // 16-bit floats travel as their bits; arithmetic happens after conversion to float.
        ["Half"] = "ushort",
        ["BFloat16"] = "ushort",
        ["Float4"] = "float4",
        ["UInt4"] = "uint4",
    };

    public static Dictionary<string, string> With(Dictionary<string, string> overrides)
    {
        var all = new Dictionary<string, string>(common);
        foreach (var pair in overrides) all[pair.Key] = pair.Value;
        return all;
    }

    /// <summary>The dialect-table key of a type: the C# keyword, or the simple name of a supported struct.</summary>
    public static string? Key(ITypeSymbol? type)
    {
        if (type is null) return null;
        switch (type.SpecialType)
        {
            case SpecialType.System_Void: return "void";
            case SpecialType.System_Boolean: return "bool";
            case SpecialType.System_Byte: return "byte";
            case SpecialType.System_SByte: return "sbyte";
            case SpecialType.System_Int16: return "short";
            case SpecialType.System_UInt16: return "ushort";
            case SpecialType.System_Int32: return "int";
            case SpecialType.System_UInt32: return "uint";
            case SpecialType.System_Int64: return "long";
            case SpecialType.System_UInt64: return "ulong";
            case SpecialType.System_Single: return "float";
            case SpecialType.System_Double: return "double";
        }
        string full = type.ToDisplayString();
        return full switch
        {
            "System.Half" or "ILGPU.Half" => "Half",
            "Mistral.Gpu.Language.BFloat16" => "BFloat16",
            "Mistral.Gpu.Language.Float4" => "Float4",
            "Mistral.Gpu.Language.UInt4" => "UInt4",
            _ => null,
        };
    }

    public static bool IsSixteenBitFloat(ITypeSymbol? type) => Key(type) is "Half" or "BFloat16";
}
