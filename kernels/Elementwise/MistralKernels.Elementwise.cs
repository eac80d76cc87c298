using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

public static partial class MistralKernels
{
    /// <summary>
    /// SwiGLU over <paramref name="count"/> elements: <c>output = gate / (1 + exp(-gate)) * up</c>.
    /// <paramref name="output"/> may be <paramref name="gate"/> (each element is read before it is written, by the same lane).
    /// </summary>
    /// <exception cref="ArgumentException">count is not positive or a buffer is too short.</exception>
    public static void SwiGlu(Accelerator accelerator, BufferView<float> gate, BufferView<float> up, BufferView<float> output, int count,
        AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        LaunchShapes.Positive(count, nameof(count));
        LaunchShapes.Holds(gate, count, nameof(gate));
        LaunchShapes.Holds(up, count, nameof(up));
        LaunchShapes.Holds(output, count, nameof(output));
        bool aligned = count % 4 == 0 && LaunchShapes.Aligned4(gate) && LaunchShapes.Aligned4(up) && LaunchShapes.Aligned4(output);
        int width = aligned ? 4 : 1;
        SwiGluKernels.SwiGluKernel.Launch(accelerator, LaunchDims.ForElements(count / width, SwiGluKernels.GroupLanes),
            LaunchShapes.Take(gate, count), LaunchShapes.Take(up, count), LaunchShapes.Take(output, count), count, width, stream);
    }

    /// <summary>
    /// Embedding lookup: <c>output[t, :] = table[tokens[t], :]</c> for <paramref name="count"/> tokens, table
    /// <c>[vocab, dim]</c>. A token id outside <c>[0, vocab)</c> yields a row of zeros and never reads outside the table.
    /// </summary>
    /// <exception cref="ArgumentException">count, dim or vocab is not positive, or a buffer is too short.</exception>
    public static void Embedding(Accelerator accelerator, BufferView<float> table, BufferView<int> tokens, BufferView<float> output,
        int count, int dim, int vocab, AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        LaunchShapes.Positive(count, nameof(count));
        LaunchShapes.Positive(dim, nameof(dim));
        LaunchShapes.Positive(vocab, nameof(vocab));
        if (count > 65535) throw new ArgumentException($"count = {count} exceeds 65535 tokens per call (the grid's y extent).", nameof(count));
        LaunchShapes.Holds(table, (long)vocab * dim, nameof(table));
        LaunchShapes.Holds(tokens, count, nameof(tokens));
        LaunchShapes.Holds(output, (long)count * dim, nameof(output));
        bool aligned = dim % 4 == 0 && LaunchShapes.Aligned4(table) && LaunchShapes.Aligned4(output);
        int width = aligned ? 4 : 1;
        int items = dim / width;
        int lanes = LaunchShapes.IsCpuLike(accelerator) ? Math.Min(EmbeddingKernels.GroupLanes, LaunchShapes.RoundUp(items, 32)) : EmbeddingKernels.GroupLanes;
        var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(items, lanes), count), new Dim3(lanes));
        EmbeddingKernels.EmbeddingKernel.Launch(accelerator, dims, LaunchShapes.Take(table, (long)vocab * dim), LaunchShapes.Take(tokens, count),
            LaunchShapes.Take(output, (long)count * dim), dim, vocab, width, stream);
    }

    /// <summary>
    /// Row-wise argmax on the device: <c>result[r]</c> = the lowest index of the largest value of row r of
    /// <paramref name="logits"/> <c>[rows, vocab]</c>. NaN is ignored; a row of only NaN gives -1.
    /// </summary>
    /// <exception cref="ArgumentException">rows or vocab is not positive, or a buffer is too short.</exception>
    public static void Argmax(Accelerator accelerator, BufferView<float> logits, BufferView<int> result, int rows, int vocab,
        AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        LaunchShapes.Positive(rows, nameof(rows));
        LaunchShapes.Positive(vocab, nameof(vocab));
        LaunchShapes.Holds(logits, (long)rows * vocab, nameof(logits));
        LaunchShapes.Holds(result, rows, nameof(result));
        int lanes = LaunchShapes.IsCpuLike(accelerator) ? 32 : Math.Clamp(LaunchShapes.RoundUp((vocab + 7) / 8, 32), 32, 256);
        ArgmaxKernels.ArgmaxKernel.Launch(accelerator, new LaunchDims(new Dim3(rows), new Dim3(lanes)),
            LaunchShapes.Take(logits, (long)rows * vocab), LaunchShapes.Take(result, rows), vocab, stream);
    }
}
