namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// The ggml tensor types this reader loads (the codes are ggml's). Other codes are rejected by name
/// where ggml has one (<see cref="GgufTensorTypes.Describe"/>).
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>IEEE 754 single precision.</summary>
    F32 = 0,
    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,
    /// <summary>Blocks of 32 weights: an fp16 scale d, then 16 bytes of nibbles; w = d · (nibble - 8). Byte j holds weight j (low nibble) and j + 16 (high).</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32 weights: an fp16 scale d, then 32 signed bytes q; w = d · q.</summary>
    Q8_0 = 8,
}

/// <summary>Block sizes and names of <see cref="GgufTensorType"/>s.</summary>
public static class GgufTensorTypes
{
    /// <summary>Weights per quantisation block of Q4_0 and Q8_0.</summary>
    public const int BlockWeights = 32;

    /// <summary>Bytes of one Q4_0 block: a 2-byte scale and 16 bytes of nibbles.</summary>
    public const int Q4_0BlockBytes = 18;

    /// <summary>Bytes of one Q8_0 block: a 2-byte scale and 32 signed bytes.</summary>
    public const int Q8_0BlockBytes = 34;

    private static readonly string[] GgmlNames =
    [
        "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64",
        "IQ1_M", "BF16",
    ];

    /// <summary>True for the codes this reader loads.</summary>
    /// <param name="code">A ggml type code.</param>
    public static bool IsSupported(uint code) => Enum.IsDefined((GgufTensorType)code);

    /// <summary>The ggml name of <paramref name="code"/> ("Q4_K"), or "unknown type N".</summary>
    /// <param name="code">A ggml type code.</param>
    public static string Describe(uint code) => code < GgmlNames.Length ? $"{GgmlNames[code]} (type {code})" : $"unknown type {code}";

    /// <summary>Elements per block: 1 for F32/F16, 32 for the quantised types.</summary>
    /// <param name="type">The tensor type.</param>
    public static int BlockSize(this GgufTensorType type) => type is GgufTensorType.Q4_0 or GgufTensorType.Q8_0 ? BlockWeights : 1;

    /// <summary>Bytes per block.</summary>
    /// <param name="type">The tensor type.</param>
    public static int BlockBytes(this GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 => 2,
        GgufTensorType.Q4_0 => Q4_0BlockBytes,
        GgufTensorType.Q8_0 => Q8_0BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported GGUF tensor type"),
    };
}
