namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Element types a safetensors tensor may have here. Weights are F32/F16/BF16; the integer types are
/// accepted so that reference files (token ids stored as I32) can be read with the same reader.
/// </summary>
public enum TensorDType
{
    /// <summary>IEEE 754 single precision, 4 bytes.</summary>
    F32,
    /// <summary>IEEE 754 half precision, 2 bytes.</summary>
    F16,
    /// <summary>bfloat16 (the top 16 bits of an F32), 2 bytes.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
}
