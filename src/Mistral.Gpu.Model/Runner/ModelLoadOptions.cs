using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Runner;

/// <summary>How <see cref="MistralModel"/>.Load places a checkpoint on the device.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Format of the linear weights: fp32 (exact), fp16, or int4 quantized on load.</summary>
    public WeightFormat Precision { get; init; } = WeightFormat.Fp32;

    /// <summary>Int4 quantization group along K; a matrix whose K is not a multiple stays fp16.</summary>
    public int GroupSize { get; init; } = 32;

    /// <summary>
    /// Longest context (positions) to support; default the config's <c>max_seq_len</c>. Without a
    /// sliding window it sizes the KV cache, so a smaller value saves memory.
    /// </summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// How the KV cache a <see cref="Transformer"/> of this model allocates stores keys and values: fp32 (exact) or fp16
    /// (half the memory and half the bytes a decode step reads; logits move by ~1e-3 relative). Null, the default, takes
    /// the device's <see cref="KvCacheFormats.DefaultFor"/>: fp16 on every backend.
    /// </summary>
    public KvCacheFormat? KvCache { get; init; }

    /// <summary>Which layout to read when the directory holds both; null prefers native.</summary>
    public CheckpointLayout? Layout { get; init; }

    /// <summary>Explicit checkpoint files (e.g. the bf16 copy beside the fp32 weights); overrides detection.</summary>
    public CheckpointFiles? Files { get; init; }

    /// <summary>
    /// Run attention at this head size, zero-padding every head (<see cref="HeadPadding"/>); default: the
    /// config's head size, or the next one the attention kernels support when it has no variant.
    /// </summary>
    public int? DeviceHeadDim { get; init; }

    /// <summary>Called after each tensor is on the device: (tensors done, tensors in all, tensor name).</summary>
    public Action<int, int, string>? Progress { get; init; }

    /// <summary>Receives one-line notes about the load (e.g. a matrix kept in fp16).</summary>
    public Action<string>? Log { get; init; }
}
