using System.Text.Json;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// The config fields that would change the model this runner computes, checked in one place: a value
/// it does not implement (another activation, scaled RoPE, another architecture) is an error naming the
/// file, the field and the value, instead of a model that loads and quietly computes something else.
/// Both config readers call it after reading the shape fields.
/// </summary>
internal static class ConfigFieldChecks
{
    /// <summary>The Hugging Face model types whose forward pass is this runner's (Llama is Mistral without the window).</summary>
    public static readonly string[] ModelTypes = ["mistral", "llama"];

    /// <summary>The Hugging Face architectures this runner implements.</summary>
    public static readonly string[] Architectures = ["MistralForCausalLM", "LlamaForCausalLM"];

    /// <summary>Activations of the feed-forward gate; Hugging Face spells SiLU both ways.</summary>
    private static readonly string[] Activations = ["silu", "swish"];

    /// <summary>Hugging Face's spelling of "no scaling" inside a rope_scaling object.</summary>
    private const string DefaultRopeType = "default";

    /// <summary>Checks a params.json (Mistral's own fields).</summary>
    public static void CheckNative(ConfigJson json, ModelConfig config)
    {
        RefusePresent(json, "moe", "mixture-of-experts layers are not supported");
        RefusePresent(json, "vision_encoder", "vision encoders are not supported");
        RefusePresent(json, "lora", "LoRA adapters are not supported; merge them into the weights first");
        RefusePresent(json, "quantization", "pre-quantized checkpoints are not supported; give fp32, fp16 or bf16 weights (use --precision int4 to quantize on load)");
        CheckRopeScaling(json, "rope_scaling");
        CheckRopeTheta(json, config, "rope_theta");
    }

    /// <summary>Checks a config.json (MistralConfig / LlamaConfig fields).</summary>
    public static void CheckHuggingFace(ConfigJson json, ModelConfig config)
    {
        if (json.Get("model_type") is { } type && !(type.ValueKind == JsonValueKind.String && ModelTypes.Contains(type.GetString())))
            throw Unsupported(json, "model_type", type, $"supported: {Quoted(ModelTypes)}");
        if (json.Get("architectures") is { } architectures
            && !(architectures.ValueKind == JsonValueKind.Array
                 && architectures.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String && Architectures.Contains(a.GetString()))))
            throw Unsupported(json, "architectures", architectures, $"supported: {Quoted(Architectures)}");
        if (json.Get("hidden_act") is { } act && !(act.ValueKind == JsonValueKind.String && Activations.Contains(act.GetString())))
            throw Unsupported(json, "hidden_act", act, "the feed-forward is SwiGLU, so only \"silu\" is supported");
        CheckRopeScaling(json, "rope_scaling");
        json.OptionalBool("tie_word_embeddings");
        if (json.OptionalBool("attention_bias") == true)
            throw Unsupported(json, "attention_bias", json.Get("attention_bias")!.Value, "the attention projections have no bias here");
        if (json.OptionalBool("mlp_bias") == true)
            throw Unsupported(json, "mlp_bias", json.Get("mlp_bias")!.Value, "the feed-forward projections have no bias here");
        CheckRopeTheta(json, config, "rope_theta");
    }

    /// <summary>
    /// What a Hugging Face config's <c>tie_word_embeddings</c> says (null when silent, or for params.json): false
    /// means the checkpoint must hold its own classifier, true that the embedding doubles as one.
    /// </summary>
    public static bool? TieWordEmbeddings(CheckpointFiles files)
    {
        if (files.Layout != CheckpointLayout.HuggingFace)
            return null;
        using ConfigJson json = ConfigJson.Load(files.ConfigPath);
        return json.OptionalBool("tie_word_embeddings");
    }

    private static void CheckRopeTheta(ConfigJson json, ModelConfig config, string thetaKey)
    {
        // RoPE's frequencies are theta^(-2i/d): a base of 1 or less makes every frequency 1 or growing.
        if (json.Has(thetaKey) && !(config.RopeTheta > 1))
            throw FormatErrors.Invalid(json.Path, $"field '{thetaKey}' must be a number above 1, found {json.Get(thetaKey)!.Value.GetRawText()}");
    }

    private static void CheckRopeScaling(ConfigJson json, string key)
    {
        if (json.Get(key) is not { } scaling)
            return;
        // {"rope_type": "default"} (or the older "type") is plain RoPE; anything else rescales positions.
        bool plain = scaling.ValueKind == JsonValueKind.Object
            && (Field(scaling, "rope_type") ?? Field(scaling, "type")) == DefaultRopeType;
        if (!plain)
            throw Unsupported(json, key, scaling, "only plain RoPE is implemented; remove the field or set it to null");
    }

    private static string? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void RefusePresent(ConfigJson json, string key, string why)
    {
        if (json.Get(key) is { } value)
            throw Unsupported(json, key, value, why);
    }

    private static InvalidDataException Unsupported(ConfigJson json, string key, JsonElement value, string hint)
    {
        string text = value.GetRawText();
        if (text.Length > 120) text = text[..120] + "...";
        return FormatErrors.Invalid(json.Path, $"field '{key}' is {text}, which this runner does not implement ({hint})");
    }

    private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));
}
