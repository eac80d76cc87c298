namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>How a checkpoint names its tensors and which config file describes it.</summary>
public enum CheckpointLayout
{
    /// <summary>Mistral's own: <c>params.json</c> + <c>consolidated*.safetensors</c>, interleaved RoPE rows.</summary>
    Native,
    /// <summary>Hugging Face's: <c>config.json</c> + <c>model*.safetensors</c>, q/k rows permuted for rotate-half RoPE.</summary>
    HuggingFace,
    /// <summary>llama.cpp's: one <c>.gguf</c> file (<c>blk.0.attn_q.weight</c>...), config and tokenizer in its metadata, interleaved RoPE rows.</summary>
    Gguf,
}
