namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>The file-level tensor name of each logical weight, in every layout.</summary>
public static class CheckpointTensorNames
{
    /// <summary>The name <paramref name="id"/> has in a checkpoint of <paramref name="layout"/>.</summary>
    /// <param name="id">The logical tensor.</param>
    /// <param name="layout">The checkpoint's naming.</param>
    public static string For(WeightId id, CheckpointLayout layout) => layout switch
    {
        CheckpointLayout.Native => Native(id),
        CheckpointLayout.HuggingFace => HuggingFace(id),
        _ => Gguf(id),
    };

    /// <summary>What every per-layer tensor name starts with, before its layer index: <c>layers.</c> or <c>model.layers.</c>.</summary>
    /// <param name="layout">The checkpoint's naming.</param>
    public static string LayerPrefix(CheckpointLayout layout) => layout == CheckpointLayout.Native ? "layers." : "model.layers.";

    /// <summary>Mistral-native name, e.g. <c>layers.0.attention.wq.weight</c>.</summary>
    /// <param name="id">The logical tensor.</param>
    public static string Native(WeightId id) => id.Kind switch
    {
        WeightKind.TokEmbeddings => "tok_embeddings.weight",
        WeightKind.AttentionNorm => $"layers.{id.Layer}.attention_norm.weight",
        WeightKind.Wq => $"layers.{id.Layer}.attention.wq.weight",
        WeightKind.Wk => $"layers.{id.Layer}.attention.wk.weight",
        WeightKind.Wv => $"layers.{id.Layer}.attention.wv.weight",
        WeightKind.Wo => $"layers.{id.Layer}.attention.wo.weight",
        WeightKind.FfnNorm => $"layers.{id.Layer}.ffn_norm.weight",
        WeightKind.W1 => $"layers.{id.Layer}.feed_forward.w1.weight",
        WeightKind.W2 => $"layers.{id.Layer}.feed_forward.w2.weight",
        WeightKind.W3 => $"layers.{id.Layer}.feed_forward.w3.weight",
        WeightKind.Norm => "norm.weight",
        WeightKind.Output => "output.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unknown weight kind"),
    };

    /// <summary>Hugging Face name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</summary>
    /// <param name="id">The logical tensor.</param>
    public static string HuggingFace(WeightId id) => id.Kind switch
    {
        WeightKind.TokEmbeddings => "model.embed_tokens.weight",
        WeightKind.AttentionNorm => $"model.layers.{id.Layer}.input_layernorm.weight",
        WeightKind.Wq => $"model.layers.{id.Layer}.self_attn.q_proj.weight",
        WeightKind.Wk => $"model.layers.{id.Layer}.self_attn.k_proj.weight",
        WeightKind.Wv => $"model.layers.{id.Layer}.self_attn.v_proj.weight",
        WeightKind.Wo => $"model.layers.{id.Layer}.self_attn.o_proj.weight",
        WeightKind.FfnNorm => $"model.layers.{id.Layer}.post_attention_layernorm.weight",
        WeightKind.W1 => $"model.layers.{id.Layer}.mlp.gate_proj.weight",
        WeightKind.W2 => $"model.layers.{id.Layer}.mlp.down_proj.weight",
        WeightKind.W3 => $"model.layers.{id.Layer}.mlp.up_proj.weight",
        WeightKind.Norm => "model.norm.weight",
        WeightKind.Output => "lm_head.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unknown weight kind"),
    };

    /// <summary>llama.cpp's GGUF name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    /// <param name="id">The logical tensor.</param>
    public static string Gguf(WeightId id) => id.Kind switch
    {
        WeightKind.TokEmbeddings => "token_embd.weight",
        WeightKind.AttentionNorm => $"blk.{id.Layer}.attn_norm.weight",
        WeightKind.Wq => $"blk.{id.Layer}.attn_q.weight",
        WeightKind.Wk => $"blk.{id.Layer}.attn_k.weight",
        WeightKind.Wv => $"blk.{id.Layer}.attn_v.weight",
        WeightKind.Wo => $"blk.{id.Layer}.attn_output.weight",
        WeightKind.FfnNorm => $"blk.{id.Layer}.ffn_norm.weight",
        WeightKind.W1 => $"blk.{id.Layer}.ffn_gate.weight",
        WeightKind.W2 => $"blk.{id.Layer}.ffn_down.weight",
        WeightKind.W3 => $"blk.{id.Layer}.ffn_up.weight",
        WeightKind.Norm => "output_norm.weight",
        WeightKind.Output => "output.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unknown weight kind"),
    };
}
