namespace Mistral.Gpu.Roofline;

/// <summary>
/// How a linear layer's weights are stored, for byte accounting: bits per weight plus one scale of
/// <see cref="ScaleBytes"/> bytes per <see cref="GroupSize"/> consecutive weights along K.
/// </summary>
/// <param name="Name">Short name used in shapes and reports ("int4/32").</param>
/// <param name="BitsPerWeight">Bits of one stored weight.</param>
/// <param name="GroupSize">Weights sharing one scale (0: no scales).</param>
/// <param name="ScaleBytes">Bytes of one scale (fp16 = 2).</param>
public sealed record WeightEncoding(string Name, int BitsPerWeight, int GroupSize, int ScaleBytes)
{
    /// <summary>Plain fp32 weights.</summary>
    public static WeightEncoding Fp32 { get; } = new("fp32", 32, 0, 0);

    /// <summary>Plain fp16 weights.</summary>
    public static WeightEncoding Fp16 { get; } = new("fp16", 16, 0, 0);

    /// <summary>Group-wise int4: two weights per byte and one fp16 scale per <paramref name="groupSize"/> weights.</summary>
    public static WeightEncoding Int4(int groupSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        return new WeightEncoding($"int4/{groupSize}", 4, groupSize, 2);
    }

    /// <summary>Bytes of an <paramref name="n"/> x <paramref name="k"/> matrix (groups run along K, so each row has ceil(k / group) scales).</summary>
    public long BytesFor(long n, long k)
    {
        long packed = (n * k * BitsPerWeight + 7) / 8;
        long scales = GroupSize == 0 ? 0 : n * ((k + GroupSize - 1) / GroupSize) * ScaleBytes;
        return packed + scales;
    }

    /// <summary>Average bytes per weight including scales (int4/32: 0.5 + 2/32 = 0.5625).</summary>
    public double BytesPerWeight => BitsPerWeight / 8.0 + (GroupSize == 0 ? 0 : (double)ScaleBytes / GroupSize);

    /// <summary>Parses "fp32", "fp16", "int4" (group 32) or "int4/64".</summary>
    public static WeightEncoding Parse(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        if (name == "fp32") return Fp32;
        if (name == "fp16") return Fp16;
        if (name == "int4") return Int4();
        if (name.StartsWith("int4/", StringComparison.Ordinal) && int.TryParse(name[5..], out int group)) return Int4(group);
        throw new ArgumentException($"Unknown weight encoding '{text}': use fp32, fp16, int4 or int4/GROUP.", nameof(text));
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
