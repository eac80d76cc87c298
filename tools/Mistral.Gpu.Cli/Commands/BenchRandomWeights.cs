using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// Random weights made on the spot, matrix by matrix, so a 7B-shaped model never exists as fp32 on
/// the host (that would be 28 GB). Int4 matrices are drawn directly in packed form: every 32-bit
/// word is 8 valid nibbles, so random words are random weights; scales are small fp16 values
/// (about 1/sqrt(K)) so activations stay finite through 32 layers and timing never meets NaNs.
/// </summary>
internal sealed class BenchRandomWeights(Accelerator accelerator, WeightEncoding encoding, int seed) : IWeightSource
{
    private ulong state = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL | 1;

    /// <summary>The embedding table small and centred, norm gains near 1.</summary>
    public DeviceBuffer<float> Vector(WeightId id, long length) =>
        id.Kind == WeightKind.TokEmbeddings ? Vector(length, 0, 0.05f) : Vector(length, 1, 0.1f);

    /// <summary>An <paramref name="n"/> x <paramref name="k"/> linear layer in the bench's encoding.</summary>
    public LinearWeights Linear(WeightId id, int n, int k)
    {
        if (encoding.BitsPerWeight == 4) return Int4(n, k, encoding.GroupSize);
        var values = new float[(long)n * k];
        Fill(values, 1 / MathF.Sqrt(k));
        var format = encoding.BitsPerWeight == 16 ? WeightFormat.Fp16 : WeightFormat.Fp32;
        return LinearWeights.Upload(accelerator, values, n, k, format);
    }

    /// <summary>A device vector of <paramref name="length"/> floats uniform in [center - spread, center + spread], uploaded in slices.</summary>
    private DeviceBuffer<float> Vector(long length, float center, float spread)
    {
        var buffer = accelerator.Allocate<float>(length);
        var slice = new float[Math.Min(length, 1 << 22)];
        for (long offset = 0; offset < length; offset += slice.Length)
        {
            var part = slice.AsSpan(0, (int)Math.Min(slice.Length, length - offset));
            Fill(part, spread);
            for (int i = 0; i < part.Length; i++) part[i] += center;
            buffer.CopyFrom(part, offset);
        }
        return buffer;
    }

    /// <summary>
    /// Overwrites <paramref name="buffer"/> with values in [-spread, spread]. A K/V cache must hold
    /// written pages: zero-filled host memory that was never written reads from the kernel's shared
    /// zero page (a cache hit), which would make attention look faster than after a real prompt.
    /// </summary>
    public void Fill(DeviceBuffer<float> buffer, float spread)
    {
        var slice = new float[Math.Min(buffer.Length, 1 << 22)];
        for (long offset = 0; offset < buffer.Length; offset += slice.Length)
        {
            var part = slice.AsSpan(0, (int)Math.Min(slice.Length, buffer.Length - offset));
            Fill(part, spread);
            buffer.CopyFrom(part, offset);
        }
    }

    /// <summary>Overwrites an fp16 <paramref name="buffer"/> with values in [-spread, spread], as <see cref="Fill(DeviceBuffer{float}, float)"/> does.</summary>
    public void Fill(DeviceBuffer<Half> buffer, float spread)
    {
        var values = new float[Math.Min(buffer.Length, 1 << 22)];
        var slice = new Half[values.Length];
        for (long offset = 0; offset < buffer.Length; offset += slice.Length)
        {
            int count = (int)Math.Min(slice.Length, buffer.Length - offset);
            Fill(values.AsSpan(0, count), spread);
            for (int i = 0; i < count; i++) slice[i] = (Half)values[i];
            buffer.CopyFrom(slice.AsSpan(0, count), offset);
        }
    }

    private Int4Weights Int4(int n, int k, int groupSize)
    {
        var packed = new uint[(long)n * k / 8];
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<uint, ulong>(packed.AsSpan());
        for (int i = 0; i < words.Length; i++) words[i] = Next();
        if (packed.Length % 2 == 1) packed[^1] = (uint)Next();
        // Symmetric int4 spans -8..7; a scale near 1/(8 sqrt(K)) keeps each row's dot product near unit size.
        var scales = new Half[(long)n * (k / groupSize)];
        float scale = 1 / (8 * MathF.Sqrt(k));
        for (long i = 0; i < scales.Length; i++) scales[i] = (Half)(scale * (0.5f + Uniform()));
        return Int4Weights.Upload(accelerator, Int4PackedMatrix.Create(packed, scales, n, k, groupSize), Int4Layouts.PreferredFor(accelerator, k));
    }

    private void Fill(Span<float> values, float spread)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (Uniform() * 2 - 1) * spread;
    }

    /// <summary>Uniform in [0, 1).</summary>
    private float Uniform() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>xorshift64*: fast enough to fill 4 GB in seconds, and seeded so runs repeat.</summary>
    private ulong Next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DUL;
    }
}
