using System.Globalization;

namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// The key-value metadata of a GGUF file with typed look-ups; a present key of the wrong type or out of range is an
/// <see cref="InvalidDataException"/> naming the file and the key. Values are kept as read: integers as
/// <see cref="long"/> (uint64 as <see cref="ulong"/>), floats as <see cref="double"/>, bool, string, and arrays
/// (<see cref="string"/>[], <see cref="float"/>[], <see cref="int"/>[], <see cref="long"/>[], ... by element type).
/// </summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, object> _values;

    internal GgufMetadata(string path, Dictionary<string, object> values)
    {
        Path = path;
        _values = values;
    }

    /// <summary>The file the metadata came from, for messages.</summary>
    public string Path { get; }

    /// <summary>Every key.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>True when <paramref name="key"/> is present.</summary>
    /// <param name="key">A metadata key.</param>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The raw value of <paramref name="key"/>, or null.</summary>
    /// <param name="key">A metadata key.</param>
    public object? Find(string key) => _values.GetValueOrDefault(key);

    /// <summary>A string value, or null when absent.</summary>
    /// <param name="key">A metadata key.</param>
    public string? OptionalString(string key) => Find(key) switch
    {
        null => null,
        string s => s,
        var other => throw WrongType(key, "a string", other),
    };

    /// <summary>A required string value.</summary>
    /// <param name="key">A metadata key.</param>
    public string RequireString(string key) => OptionalString(key) ?? throw Missing(key);

    /// <summary>An integer value that fits an int and is at least <paramref name="minimum"/>, or null when absent.</summary>
    /// <param name="key">A metadata key.</param>
    /// <param name="minimum">The smallest value accepted.</param>
    public int? OptionalInt(string key, int minimum = 1)
    {
        object? value = Find(key);
        if (value is null)
            return null;
        if (value is long l && l >= minimum && l <= int.MaxValue)
            return (int)l;
        if (value is ulong u && u <= int.MaxValue && (long)u >= minimum)
            return (int)u;
        if (value is long or ulong)
            throw FormatErrors.Invalid(Path, $"metadata '{key}' = {value} is out of range (expected {minimum} to {int.MaxValue})");
        throw WrongType(key, "an integer", value);
    }

    /// <summary>A required integer value (see <see cref="OptionalInt"/>).</summary>
    /// <param name="key">A metadata key.</param>
    /// <param name="minimum">The smallest value accepted.</param>
    public int RequireInt(string key, int minimum = 1) => OptionalInt(key, minimum) ?? throw Missing(key);

    /// <summary>A positive finite number (float or integer), or null when absent.</summary>
    /// <param name="key">A metadata key.</param>
    public double? OptionalPositiveNumber(string key)
    {
        double? number = Find(key) switch
        {
            null => null,
            double d => d,
            long l => l,
            ulong u => u,
            var other => throw WrongType(key, "a number", other),
        };
        if (number is { } n && !(n > 0 && double.IsFinite(n)))
            throw FormatErrors.Invalid(Path, $"metadata '{key}' = {n.ToString(CultureInfo.InvariantCulture)} must be a positive finite number");
        return number;
    }

    /// <summary>A boolean value, or null when absent.</summary>
    /// <param name="key">A metadata key.</param>
    public bool? OptionalBool(string key) => Find(key) switch
    {
        null => null,
        bool b => b,
        var other => throw WrongType(key, "a bool", other),
    };

    /// <summary>An array of <typeparamref name="T"/> (string, float, int, ...), or null when absent.</summary>
    /// <param name="key">A metadata key.</param>
    public T[]? OptionalArray<T>(string key) => Find(key) switch
    {
        null => null,
        T[] array => array,
        var other => throw WrongType(key, $"an array of {typeof(T).Name}", other),
    };

    /// <summary>The error for an absent required key.</summary>
    /// <param name="key">The key.</param>
    public InvalidDataException Missing(string key) => FormatErrors.Invalid(Path, $"required metadata '{key}' is missing");

    private InvalidDataException WrongType(string key, string expected, object found) =>
        FormatErrors.Invalid(Path, $"metadata '{key}' must be {expected}, found {Describe(found)}");

    private static string Describe(object value) => value switch
    {
        string => "a string",
        bool => "a bool",
        long or ulong => "an integer",
        double => "a float",
        Array array => $"an array of {array.GetType().GetElementType()!.Name} ({array.Length} elements)",
        _ => value.GetType().Name,
    };
}
