using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>How a linear layer's weights are stored on the device.</summary>
public enum WeightFormat
{
    /// <summary>fp32, row-major [N][K]: exact.</summary>
    Fp32,
    /// <summary>fp16, row-major, rows padded to 8 halves: half the bytes, ~3 significant digits.</summary>
    Fp16,
    /// <summary>Group-wise symmetric int4 with fp16 scales (see kernels/MatMul/README.md): ~1/7 of fp32's bytes.</summary>
    Int4,
}

/// <summary>
/// The weights W [N][K] of a linear layer <c>y = x Wᵀ</c> on a device, in one of the <see cref="WeightFormat"/>s.
/// Pass it to <c>MistralKernels.MatMul</c>. Disposing frees the device memory.
/// </summary>
public abstract class LinearWeights : IDisposable
{
    private protected LinearWeights(Accelerator accelerator, int outFeatures, int inFeatures)
    {
        Accelerator = accelerator;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>The accelerator holding the weights.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>N: rows of W, elements of each output row.</summary>
    public int OutFeatures { get; }

    /// <summary>K: columns of W, elements of each input row.</summary>
    public int InFeatures { get; }

    /// <summary>The storage format.</summary>
    public abstract WeightFormat Format { get; }

    /// <summary>Device bytes the weights occupy (what a GEMV reads per token).</summary>
    public abstract long DeviceBytes { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>
    /// Uploads fp32 weights <paramref name="w"/> [n*k] (row-major [N][K]) in <paramref name="format"/>; for
    /// <see cref="WeightFormat.Int4"/> they are quantised with <see cref="Int4Quantizer"/> in groups of <paramref name="groupSize"/>
    /// and stored in the standard word order, which every int4 kernel reads. The device's fastest order (the CPU
    /// backend's group-interleaved one) is <c>Int4Weights.Quantize(accelerator, w, n, k, groupSize,
    /// Int4Layouts.PreferredFor(accelerator, k))</c>, as the model loader does.
    /// </summary>
    /// <exception cref="ArgumentException">n or k is not positive, w does not hold n*k values, or for int4
    /// k is not a multiple of 8 and of groupSize, or groupSize is not 32 or 128 (see <see cref="Int4Weights.CanQuantize"/>).</exception>
    public static LinearWeights Upload(Accelerator accelerator, ReadOnlySpan<float> w, int n, int k, WeightFormat format, int groupSize = 32)
    {
        CheckShape(accelerator, w.Length, n, k, nameof(w));
        return format switch
        {
            WeightFormat.Fp32 => Fp32Weights.Upload(accelerator, w, n, k),
            WeightFormat.Fp16 => Fp16Weights.Upload(accelerator, w, n, k),
            WeightFormat.Int4 => Int4Weights.Quantize(accelerator, w, n, k, groupSize),
            _ => throw new ArgumentException($"Unknown weight format {format}.", nameof(format)),
        };
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the device buffers.</summary>
    protected abstract void Dispose(bool disposing);

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Whether rows from <paramref name="start"/> on can be a <see cref="Rows"/> view (aligned as the kernels load them).</summary>
    internal abstract bool CanViewFrom(int start);

    /// <summary>Rows [start, start + count) sharing this matrix's device memory; disposing the view frees nothing.</summary>
    internal abstract LinearWeights Rows(int start, int count);

    /// <summary>A new matrix of this one's rows followed by those of <paramref name="rest"/> (same format, K and group size), read back and uploaded once.</summary>
    internal abstract LinearWeights Concatenate(IReadOnlyList<LinearWeights> rest);

    /// <summary>This matrix's device words followed by those of <paramref name="rest"/>, on the host.</summary>
    private protected T[] ConcatenateData<T>(IReadOnlyList<LinearWeights> rest, Func<LinearWeights, BufferView<T>> data) where T : unmanaged
    {
        return [.. rest.Prepend(this).SelectMany(w => data(w).ToArray())];
    }

    internal static void CheckShape(Accelerator accelerator, int length, int n, int k, string weightsName)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (n <= 0) throw new ArgumentException($"n must be positive, got {n}.", nameof(n));
        if (k <= 0) throw new ArgumentException($"k must be positive, got {k}.", nameof(k));
        if ((long)n * k > int.MaxValue) throw new ArgumentException($"n * k = {(long)n * k} exceeds 2^31 elements.", nameof(n));
        if (length != (long)n * k) throw new ArgumentException($"{weightsName} holds {length} values; n * k = {(long)n * k}.", weightsName);
    }
}

/// <summary>fp32 weights, row-major [N][K].</summary>
public sealed class Fp32Weights : LinearWeights
{
    private readonly bool ownsData;

    private Fp32Weights(Accelerator accelerator, BufferView<float> data, int n, int k, bool ownsData) : base(accelerator, n, k)
    {
        Data = data;
        this.ownsData = ownsData;
    }

    /// <summary>The weights, row-major [N][K].</summary>
    public BufferView<float> Data { get; }

    /// <inheritdoc />
    public override WeightFormat Format => WeightFormat.Fp32;

    /// <inheritdoc />
    public override long DeviceBytes => Data.Length * sizeof(float);

    /// <summary>Uploads <paramref name="weights"/> [n*k], row-major.</summary>
    /// <exception cref="ArgumentException">n or k is not positive, or weights does not hold n*k values.</exception>
    public static Fp32Weights Upload(Accelerator accelerator, ReadOnlySpan<float> weights, int n, int k)
    {
        CheckShape(accelerator, weights.Length, n, k, nameof(weights));
        return new Fp32Weights(accelerator, accelerator.Upload(weights), n, k, ownsData: true);
    }

    internal override bool CanViewFrom(int start) => true;

    internal override LinearWeights Rows(int start, int count) =>
        new Fp32Weights(Accelerator, Data.Buffer!.Slice(Data.Offset + (long)start * InFeatures, (long)count * InFeatures), count, InFeatures, ownsData: false);

    internal override LinearWeights Concatenate(IReadOnlyList<LinearWeights> rest) =>
        new Fp32Weights(Accelerator, Accelerator.Upload<float>(ConcatenateData(rest, w => ((Fp32Weights)w).Data)), OutFeatures + rest.Sum(w => w.OutFeatures), InFeatures, ownsData: true);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (ownsData) Data.Buffer!.Dispose();
    }
}

/// <summary>
/// fp16 weights: row-major, each row padded with zeros to <see cref="RowStride"/> = K rounded up to 8 halves,
/// stored as uint pairs (the low 16 bits hold the even k), so every row is 16-byte aligned for 128-bit loads.
/// </summary>
public sealed class Fp16Weights : LinearWeights
{
    private readonly bool ownsData;

    private Fp16Weights(Accelerator accelerator, BufferView<uint> data, int n, int k, bool ownsData) : base(accelerator, n, k)
    {
        Data = data;
        this.ownsData = ownsData;
    }

    /// <summary>The packed halves, [N][RowStride / 2] words.</summary>
    public BufferView<uint> Data { get; }

    /// <summary>Halves per stored row: K rounded up to a multiple of 8.</summary>
    public int RowStride => (InFeatures + 7) / 8 * 8;

    /// <inheritdoc />
    public override WeightFormat Format => WeightFormat.Fp16;

    /// <inheritdoc />
    public override long DeviceBytes => Data.Length * sizeof(uint);

    /// <summary>Rounds <paramref name="weights"/> [n*k] (row-major) to fp16 (nearest even) and uploads them.</summary>
    /// <exception cref="ArgumentException">n or k is not positive, or weights does not hold n*k values.</exception>
    public static Fp16Weights Upload(Accelerator accelerator, ReadOnlySpan<float> weights, int n, int k)
    {
        CheckShape(accelerator, weights.Length, n, k, nameof(weights));
        var halves = new Half[weights.Length];
        for (int i = 0; i < halves.Length; i++) halves[i] = (Half)weights[i];
        return Upload(accelerator, halves, n, k);
    }

    /// <summary>Uploads fp16 <paramref name="weights"/> [n*k] (row-major) as they are.</summary>
    /// <exception cref="ArgumentException">n or k is not positive, or weights does not hold n*k values.</exception>
    public static Fp16Weights Upload(Accelerator accelerator, ReadOnlySpan<Half> weights, int n, int k)
    {
        CheckShape(accelerator, weights.Length, n, k, nameof(weights));
        int strideWords = (k + 7) / 8 * 4;
        var words = new uint[checked((long)n * strideWords)];
        for (int row = 0; row < n; row++)
        {
            var source = weights.Slice(row * k, k);
            for (int i = 0; i < k; i++)
            {
                uint bits = BitConverter.HalfToUInt16Bits(source[i]);
                words[row * strideWords + i / 2] |= (i & 1) == 0 ? bits : bits << 16;
            }
        }
        return new Fp16Weights(accelerator, accelerator.Upload<uint>(words), n, k, ownsData: true);
    }

    // Rows are padded to 8 halves, so every row starts on a 16-byte boundary.
    internal override bool CanViewFrom(int start) => true;

    internal override LinearWeights Rows(int start, int count) =>
        new Fp16Weights(Accelerator, Data.Buffer!.Slice(Data.Offset + (long)start * RowStride / 2, (long)count * RowStride / 2), count, InFeatures, ownsData: false);

    internal override LinearWeights Concatenate(IReadOnlyList<LinearWeights> rest) =>
        new Fp16Weights(Accelerator, Accelerator.Upload<uint>(ConcatenateData(rest, w => ((Fp16Weights)w).Data)), OutFeatures + rest.Sum(w => w.OutFeatures), InFeatures, ownsData: true);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (ownsData) Data.Buffer!.Dispose();
    }
}
