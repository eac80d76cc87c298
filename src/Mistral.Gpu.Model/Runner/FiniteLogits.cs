using System.Runtime.InteropServices;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Runner;

/// <summary>
/// Refuses logits that hold NaN or infinity. The checkpoint's weights are checked finite on load, so
/// such logits mean the activations overflowed on the way; sampling or an argmax over them would
/// return a token that looks valid, so it is an error instead, the same on every backend.
/// </summary>
public static class FiniteLogits
{
    /// <summary>Throws when a logits row of <paramref name="vocabSize"/> columns holds a non-finite value.</summary>
    /// <param name="logits">One or more rows, row-major.</param>
    /// <param name="vocabSize">Columns per row.</param>
    /// <param name="firstPosition">The sequence position of the first row, for the message.</param>
    /// <exception cref="InvalidDataException">A NaN or infinity, named by position and token id.</exception>
    public static void Check(ReadOnlySpan<float> logits, int vocabSize, int firstPosition)
    {
        long index = NonFiniteScan.FirstIndex(MemoryMarshal.AsBytes(logits), TensorDType.F32);
        if (index >= 0)
            throw Error(firstPosition + index / vocabSize, $"{Describe(logits[(int)index])} at token id {index % vocabSize}");
    }

    /// <summary>The error for a row whose device argmax found no number (every logit NaN).</summary>
    /// <param name="position">The sequence position of the row.</param>
    public static InvalidDataException AllNaN(long position) => Error(position, "NaN in every column");

    private static InvalidDataException Error(long position, string what) =>
        new($"the model's logits at position {position} hold {what}: its activations overflowed, so any token chosen from them would be meaningless");

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}
