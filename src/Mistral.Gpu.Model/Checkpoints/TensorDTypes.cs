namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>Facts about <see cref="TensorDType"/> values: byte size and the safetensors spelling.</summary>
public static class TensorDTypes
{
    /// <summary>Bytes per element.</summary>
    /// <param name="dtype">The element type.</param>
    public static int SizeInBytes(this TensorDType dtype) => dtype switch
    {
        TensorDType.F32 or TensorDType.I32 => 4,
        TensorDType.F16 or TensorDType.BF16 => 2,
        TensorDType.I64 => 8,
        TensorDType.U8 or TensorDType.I8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the types a weight may be stored in (F32, F16, BF16).</summary>
    /// <param name="dtype">The element type.</param>
    public static bool IsFloatingPoint(this TensorDType dtype) =>
        dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16;

    /// <summary>The dtype string used in safetensors headers ("F32", "BF16", ...).</summary>
    /// <param name="dtype">The element type.</param>
    public static string ToSafetensorsName(this TensorDType dtype) => dtype.ToString();

    /// <summary>Parses a safetensors dtype string; returns false for types this reader does not know.</summary>
    /// <param name="name">The header's dtype string; case-sensitive as the format is.</param>
    /// <param name="dtype">The parsed type.</param>
    public static bool TryParse(string name, out TensorDType dtype)
    {
        switch (name)
        {
            case "F32": dtype = TensorDType.F32; return true;
            case "F16": dtype = TensorDType.F16; return true;
            case "BF16": dtype = TensorDType.BF16; return true;
            case "I32": dtype = TensorDType.I32; return true;
            case "I64": dtype = TensorDType.I64; return true;
            case "U8": dtype = TensorDType.U8; return true;
            case "I8": dtype = TensorDType.I8; return true;
            default: dtype = default; return false;
        }
    }
}
