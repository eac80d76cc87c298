using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>Runs the attention kernels the way the model runner does, with an fp32 or an fp16 cache.</summary>
internal static class AttentionRunner
{
    /// <summary>A layer's K and V caches in one precision.</summary>
    private sealed class Caches : IDisposable
    {
        private readonly DeviceBuffer<float>? k32, v32;
        private readonly DeviceBuffer<Half>? k16, v16;

        public Caches(Accelerator accelerator, AttentionShape shape, bool fp16)
        {
            if (fp16)
            {
                k16 = accelerator.Allocate<Half>(shape.CacheElements);
                v16 = accelerator.Allocate<Half>(shape.CacheElements);
            }
            else
            {
                k32 = accelerator.Allocate<float>(shape.CacheElements);
                v32 = accelerator.Allocate<float>(shape.CacheElements);
            }
        }

        public void Write(Accelerator a, BufferView<float> k, BufferView<float> v, AttentionShape shape, int tokens, int start)
        {
            if (k16 is not null) MistralKernels.KvCacheWrite(a, k, v, k16, v16!, shape, tokens, start);
            else MistralKernels.KvCacheWrite(a, k, v, k32!, v32!, shape, tokens, start);
        }

        public void Prefill(Accelerator a, BufferView<float> q, BufferView<float> k, BufferView<float> v, BufferView<float> output, AttentionShape shape, int tokens, int start,
            MistralKernels.DecodeKernelChoice kernel)
        {
            if (k16 is not null) MistralKernels.AttentionPrefill(a, q, k, v, k16, v16!, output, shape, tokens, start, kernel);
            else MistralKernels.AttentionPrefill(a, q, k, v, k32!, v32!, output, shape, tokens, start, kernel);
        }

        public void Decode(Accelerator a, BufferView<float> q, BufferView<float> output, AttentionShape shape, int position, AttentionScratch scratch,
            int? splits, MistralKernels.DecodeKernelChoice kernel)
        {
            if (k16 is not null) MistralKernels.AttentionDecodeWithSplits(a, q, k16, v16!, output, shape, position, scratch, splits, null, kernel);
            else MistralKernels.AttentionDecodeWithSplits(a, q, k32!, v32!, output, shape, position, scratch, splits, null, kernel);
        }

        public void Dispose()
        {
            k32?.Dispose();
            v32?.Dispose();
            k16?.Dispose();
            v16?.Dispose();
        }
    }

    /// <summary>Prefill of the whole sequence in chunks (attention, then the chunk's cache write), returning [tokens, NHeads, HeadDim].</summary>
    public static float[] Prefill(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v, bool fp16Cache = false,
        MistralKernels.DecodeKernelChoice kernel = MistralKernels.DecodeKernelChoice.ByDevice)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var caches = new Caches(accelerator, shape, fp16Cache);
        int chunk = c.Chunk == 0 ? c.Tokens : c.Chunk;
        for (int start = 0; start < c.Tokens; start += chunk)
        {
            int n = Math.Min(chunk, c.Tokens - start);
            var kChunk = kBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            var vChunk = vBuffer.Slice((long)start * kvRow, (long)n * kvRow);
            caches.Prefill(accelerator, qBuffer.Slice((long)start * qRow, (long)n * qRow), kChunk, vChunk,
                output.Slice((long)start * qRow, (long)n * qRow), shape, n, start, kernel);
            caches.Write(accelerator, kChunk, vChunk, shape, n, start);
        }
        return output.ToArray();
    }

    /// <summary>
    /// Decodes every position one token at a time (cache write, then decode), returning [tokens, NHeads, HeadDim], with
    /// <paramref name="splits"/> per decode (0 = the device's choice), the split <paramref name="kernel"/> (default: the
    /// device's), and halves in the cache when <paramref name="fp16Cache"/>.
    /// </summary>
    public static float[] DecodeAll(Accelerator accelerator, AttentionCase c, float[] q, float[] k, float[] v, int splits = 0,
        MistralKernels.DecodeKernelChoice kernel = MistralKernels.DecodeKernelChoice.ByDevice, bool fp16Cache = false)
    {
        var shape = c.Shape;
        int qRow = shape.QueryRowLength, kvRow = shape.KvRowLength;
        using var qBuffer = accelerator.Upload<float>(q);
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var output = accelerator.Allocate<float>((long)c.Tokens * qRow);
        using var caches = new Caches(accelerator, shape, fp16Cache);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        for (int p = 0; p < c.Tokens; p++)
        {
            caches.Write(accelerator, kBuffer.Slice((long)p * kvRow, kvRow), vBuffer.Slice((long)p * kvRow, kvRow), shape, 1, p);
            caches.Decode(accelerator, qBuffer.Slice((long)p * qRow, qRow), output.Slice((long)p * qRow, qRow), shape, p, scratch,
                splits == 0 ? null : splits, kernel);
        }
        return output.ToArray();
    }

    /// <summary>
    /// Writes the whole sequence into an fp32 cache in one call, then runs <paramref name="decode"/> (query row, K and V
    /// caches, output, scratch) at the last position; returns its output and the reference's.
    /// </summary>
    public static (float[] Actual, double[] Expected) DecodeLast(Accelerator accelerator, AttentionCase c,
        Action<DeviceBuffer<float>, DeviceBuffer<float>, DeviceBuffer<float>, DeviceBuffer<float>, AttentionScratch> decode)
    {
        var shape = c.Shape;
        float[] q = c.Queries(), k = c.Keys(), v = c.Values();
        int position = c.Tokens - 1, qRow = shape.QueryRowLength;
        using var kBuffer = accelerator.Upload<float>(k);
        using var vBuffer = accelerator.Upload<float>(v);
        using var kCache = accelerator.Allocate<float>(shape.CacheElements);
        using var vCache = accelerator.Allocate<float>(shape.CacheElements);
        using var qBuffer = accelerator.Upload<float>(q.AsSpan(position * qRow, qRow));
        using var output = accelerator.Allocate<float>(qRow);
        using var scratch = AttentionScratch.Create(accelerator, shape);
        MistralKernels.KvCacheWrite(accelerator, kBuffer, vBuffer, kCache, vCache, shape, c.Tokens, 0);
        decode(qBuffer, kCache, vCache, output, scratch);
        return (output.ToArray(), AttentionReference.Attention(q[(position * qRow)..], k, v, shape, 1, position));
    }
}
