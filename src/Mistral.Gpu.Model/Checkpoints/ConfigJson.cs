using System.Text.Json;
using System.Text.Unicode;
using Mistral.Gpu.Model.Files;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Typed field access over a config JSON object; every missing or mistyped field becomes an
/// <see cref="InvalidDataException"/> naming the file and the JSON key, so errors speak the file's language.
/// </summary>
internal sealed class ConfigJson : IDisposable
{
    /// <summary>Largest config accepted: real ones are a few kilobytes, so more is not a config.</summary>
    public const long MaxBytes = 16L << 20;

    private readonly JsonDocument _document;

    private ConfigJson(string path, JsonDocument document)
    {
        Path = path;
        _document = document;
    }

    public string Path { get; }

    private JsonElement Root => _document.RootElement;

    public static ConfigJson Load(string path)
    {
        byte[] bytes = FileKinds.ReadAllBytes(path, "config file", MaxBytes);
        // System.Text.Json checks UTF-8 inside strings only when a string is read, so check it up front.
        if (!Utf8.IsValid(bytes))
            throw FormatErrors.Invalid(path, "not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw FormatErrors.Invalid(path, $"not valid JSON ({e.Message})", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw FormatErrors.Invalid(path, "the config must be a JSON object");
        }
        return new ConfigJson(path, document);
    }

    /// <summary>The field's value, or null when it is absent or JSON null (both mean "not set").</summary>
    private JsonElement? Find(string key) =>
        Root.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public bool Has(string key) => Find(key) is not null;

    /// <summary>The field's value, or null when it is absent or JSON null.</summary>
    public JsonElement? Get(string key) => Find(key);

    /// <summary>The field as a boolean, or null when absent; anything but true/false is an error naming the key.</summary>
    public bool? OptionalBool(string key) => Find(key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } other => throw FormatErrors.Invalid(Path, $"field '{key}' must be true or false, found {other.GetRawText()}"),
    };

    public int RequirePositiveInt(string key) =>
        OptionalPositiveInt(key) ?? throw FormatErrors.Invalid(Path, $"required field '{key}' is missing");

    public int? OptionalPositiveInt(string key)
    {
        if (Find(key) is not { } value)
            return null;
        // Some writers emit integral values as 4096.0; accept those, reject anything fractional.
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out int i))
                return i > 0 ? i : throw FormatErrors.Invalid(Path, $"field '{key}' must be positive, found {i}");
            if (value.TryGetDouble(out double d) && d == Math.Floor(d) && d is > 0 and <= int.MaxValue)
                return (int)d;
        }
        throw FormatErrors.Invalid(Path, $"field '{key}' must be a positive integer, found {value.GetRawText()}");
    }

    public double RequirePositiveDouble(string key) =>
        OptionalPositiveDouble(key) ?? throw FormatErrors.Invalid(Path, $"required field '{key}' is missing");

    public double? OptionalPositiveDouble(string key)
    {
        if (Find(key) is not { } value)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && d > 0 && double.IsFinite(d))
            return d;
        throw FormatErrors.Invalid(Path, $"field '{key}' must be a positive number, found {value.GetRawText()}");
    }

    public void Dispose() => _document.Dispose();
}
