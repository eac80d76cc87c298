using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Group-wise symmetric int4 weights with fp16 scales on a device, in the layout of <see cref="Int4Matrix"/>
/// (kernels/MatMul/README.md): <see cref="Packed"/> [N][K/8] words (each row's words in the order of <see cref="Layout"/>),
/// <see cref="Scales"/> [N][K/GroupSize] halves held in uint pairs (low half first; the last word is zero-padded when the
/// count is odd).
/// </summary>
public sealed class Int4Weights : LinearWeights
{
    /// <summary>The group sizes the kernels are compiled for.</summary>
    public static IReadOnlyList<int> SupportedGroupSizes { get; } = [32, 128];

    private readonly bool ownsBuffers;

    private Int4Weights(Accelerator accelerator, BufferView<uint> packed, BufferView<uint> scales, int n, int k, int groupSize, Int4Layout layout, bool ownsBuffers)
        : base(accelerator, n, k)
    {
        Packed = packed;
        Scales = scales;
        GroupSize = groupSize;
        Layout = layout;
        this.ownsBuffers = ownsBuffers;
    }

    /// <summary>
    /// Packed nibbles, [N][K/8] words; nibble i of standard word j of row n is q + 8 for k = 8j + i, and standard word j
    /// sits where <see cref="Layout"/> puts it.
    /// </summary>
    public BufferView<uint> Packed { get; }

    /// <summary>The order of each row's words: <see cref="Int4Layout.Standard"/> unless asked otherwise at upload.</summary>
    public Int4Layout Layout { get; }

    /// <summary>fp16 scales [N][K/GroupSize], two per uint (even index in the low 16 bits).</summary>
    public BufferView<uint> Scales { get; }

    /// <summary>Consecutive k per scale: 32 or 128.</summary>
    public int GroupSize { get; }

    /// <inheritdoc />
    public override WeightFormat Format => WeightFormat.Int4;

    /// <summary>Bytes of packed weights and scales (the fp16 scales counted at 2 bytes each).</summary>
    public override long DeviceBytes => (long)OutFeatures * InFeatures / 2 + (long)OutFeatures * (InFeatures / GroupSize) * 2;

    /// <summary>
    /// Whether a matrix with <paramref name="k"/> columns can be stored as int4 with <paramref name="groupSize"/>:
    /// k positive and a multiple of 8 and of groupSize, groupSize 32 or 128. When false, keep the matrix in fp16.
    /// </summary>
    public static bool CanQuantize(int k, int groupSize) =>
        k > 0 && SupportedGroupSizes.Contains(groupSize) && k % 8 == 0 && k % groupSize == 0;

    /// <summary>Quantises fp32 <paramref name="weights"/> [n*k] (row-major) and uploads them, their words in <paramref name="layout"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="Int4Quantizer.Quantize"/> and <see cref="Upload"/>.</exception>
    public static Int4Weights Quantize(Accelerator accelerator, ReadOnlySpan<float> weights, int n, int k, int groupSize = 32, Int4Layout layout = Int4Layout.Standard) =>
        Upload(accelerator, Int4Quantizer.Quantize(weights, n, k, groupSize), layout);

    /// <summary>
    /// Uploads a host-quantised matrix, its words in <paramref name="layout"/> (the standard order by default; a model
    /// loader passes <see cref="Int4Layouts.PreferredFor"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The layout cannot hold the matrix's K (see <see cref="Int4Layouts.Fits"/>).</exception>
    public static Int4Weights Upload(Accelerator accelerator, Int4Matrix matrix, Int4Layout layout = Int4Layout.Standard)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(matrix);
        if (!Enum.IsDefined(layout)) throw new ArgumentException($"Unknown int4 layout {(int)layout}.", nameof(layout));
        if (!Int4Layouts.Fits(layout, matrix.InFeatures))
            throw new ArgumentException($"The {layout} layout needs K % {Int4Layouts.ChunkWeights} == 0; this matrix has K = {matrix.InFeatures}.", nameof(layout));
        var scaleWords = new uint[(matrix.Scales.Length + 1) / 2];
        for (int i = 0; i < matrix.Scales.Length; i++)
        {
            uint bits = BitConverter.HalfToUInt16Bits(matrix.Scales[i]);
            scaleWords[i / 2] |= (i & 1) == 0 ? bits : bits << 16;
        }
        var packed = accelerator.Upload<uint>(Int4Layouts.Arrange(matrix.Packed, matrix.InFeatures, layout));
        var scales = accelerator.Upload<uint>(scaleWords);
        return new Int4Weights(accelerator, packed, scales, matrix.OutFeatures, matrix.InFeatures, matrix.GroupSize, layout, ownsBuffers: true);
    }

    // Views must start the words on a 16-byte boundary (128-bit loads) and the scales on a whole word.
    internal override bool CanViewFrom(int start) => (long)start * InFeatures / 8 % 4 == 0 && (long)start * (InFeatures / GroupSize) % 2 == 0;

    internal override LinearWeights Rows(int start, int count)
    {
        if (!CanViewFrom(start)) throw new ArgumentException($"Rows from {start} of a K = {InFeatures} int4 matrix do not start on a scale word.", nameof(start));
        long words = InFeatures / 8, scales = InFeatures / GroupSize;
        var packed = Packed.Buffer!.Slice(Packed.Offset + start * words, count * words);
        var scaleWords = Scales.Buffer!.Slice(Scales.Offset + start * scales / 2, (count * scales + 1) / 2);
        return new Int4Weights(Accelerator, packed, scaleWords, count, InFeatures, GroupSize, Layout, ownsBuffers: false);
    }

    internal override LinearWeights Concatenate(IReadOnlyList<LinearWeights> rest)
    {
        var parts = rest.Prepend(this).Select(w => ((Int4Weights)w).Download()).ToList();
        return Upload(Accelerator, Int4PackedMatrix.Create(
            parts.SelectMany(p => p.Packed).ToArray(), parts.SelectMany(p => p.Scales).ToArray(), parts.Sum(p => p.OutFeatures), InFeatures, GroupSize), Layout);
    }

    /// <summary>Reads the matrix back to the host, its words in the standard order whatever <see cref="Layout"/> is.</summary>
    public Int4Matrix Download()
    {
        if (IsDisposed) throw new ObjectDisposedException(nameof(Int4Weights));
        var words = Scales.ToArray();
        var scales = new Half[(long)OutFeatures * (InFeatures / GroupSize)];
        for (int i = 0; i < scales.Length; i++) scales[i] = BitConverter.UInt16BitsToHalf((ushort)(words[i / 2] >> (16 * (i & 1))));
        return Int4PackedMatrix.Create(Int4Layouts.ToStandard(Packed.ToArray(), InFeatures, Layout), scales, OutFeatures, InFeatures, GroupSize);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!ownsBuffers) return;
        Packed.Buffer!.Dispose();
        Scales.Buffer!.Dispose();
    }
}
