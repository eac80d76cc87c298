using System.Text.Json;
using System.Text.Unicode;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// The parsed and fully validated JSON header of a safetensors file. Everything a later read relies
/// on (dtype, shape, byte range inside the data section, no overlap) is checked here, once, so that
/// reading a tensor can never run off the mapping or alias another tensor.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The key the format reserves for free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses <paramref name="json"/>; every problem becomes an <see cref="InvalidDataException"/>.</summary>
    public static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long dataSectionLength)
    {
        // System.Text.Json checks UTF-8 inside strings only when a string is read, so check it up front.
        if (!Utf8.IsValid(json))
            throw FormatErrors.Invalid(path, "the safetensors header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw FormatErrors.Invalid(path, $"the safetensors header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw FormatErrors.Invalid(path, $"the safetensors header must be a JSON object, found {root.ValueKind}");

            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata)
                        throw FormatErrors.Invalid(path, $"'{MetadataKey}' appears twice in the header");
                    sawMetadata = true;
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                if (tensors.ContainsKey(property.Name))
                    throw FormatErrors.Invalid(path, $"tensor '{property.Name}' appears twice in the header");
                tensors.Add(property.Name, ReadTensor(path, property.Name, property.Value, dataSectionLength));
            }

            CheckNoOverlap(path, tensors.Values);
            CheckCoverage(path, tensors.Values, dataSectionLength);
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw FormatErrors.Invalid(path, $"'{MetadataKey}' must be an object of strings, found {value.ValueKind}");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw FormatErrors.Invalid(path, $"'{MetadataKey}' entry '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw FormatErrors.Invalid(path, $"'{MetadataKey}' entry '{entry.Name}' appears twice");
        }
    }

    private static TensorInfo ReadTensor(string path, string name, JsonElement value, long dataSectionLength)
    {
        string where = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw FormatErrors.Invalid(path, $"{where}: header entry must be an object, found {value.ValueKind}");

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw FormatErrors.Invalid(path, $"{where}: missing or non-string 'dtype'");
        string dtypeName = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParse(dtypeName, out TensorDType dtype))
            throw FormatErrors.Invalid(path, $"{where}: unknown dtype '{dtypeName}' (supported: F32, F16, BF16, I32, I64, U8, I8)");

        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw FormatErrors.Invalid(path, $"{where}: missing or non-array 'shape'");
        var shape = new List<long>(shapeElement.GetArrayLength());
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0)
                throw FormatErrors.Invalid(path, $"{where}: shape entries must be non-negative integers, found {dim.GetRawText()}");
            shape.Add(d);
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw FormatErrors.Invalid(path, $"{where}: 'data_offsets' must be an array [begin, end]");
        long begin = ReadOffset(path, where, offsets[0]);
        long end = ReadOffset(path, where, offsets[1]);
        if (end < begin)
            throw FormatErrors.Invalid(path, $"{where}: data_offsets end {end} is before begin {begin}");
        if (end > dataSectionLength)
            throw FormatErrors.Invalid(path, $"{where}: data_offsets [{begin}, {end}) run past the end of the data section ({dataSectionLength} bytes); the file is truncated or the header is wrong");

        long expectedBytes = dtype.SizeInBytes();
        foreach (long d in shape)
        {
            // A multiplication that would overflow can only describe more bytes than any file holds.
            if (d != 0 && expectedBytes > long.MaxValue / d)
                throw FormatErrors.Invalid(path, $"{where}: shape {TensorInfo.FormatShape(shape)} is too large (its byte size overflows)");
            expectedBytes *= d;
        }
        if (expectedBytes != end - begin)
            throw FormatErrors.Invalid(path, $"{where}: shape {TensorInfo.FormatShape(shape)} of {dtypeName} needs {expectedBytes} bytes but data_offsets [{begin}, {end}) hold {end - begin}");

        return new TensorInfo(name, dtype, shape.AsReadOnly(), begin, end);
    }

    private static long ReadOffset(string path, string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long offset) || offset < 0)
            throw FormatErrors.Invalid(path, $"{where}: data_offsets must be non-negative integers, found {element.GetRawText()}");
        return offset;
    }

    private static void CheckNoOverlap(string path, IEnumerable<TensorInfo> tensors)
    {
        // Empty tensors own no bytes, so they cannot overlap anything.
        TensorInfo[] sorted = tensors.Where(t => t.ByteLength > 0)
            .OrderBy(t => t.DataBegin).ThenBy(t => t.DataEnd).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            TensorInfo previous = sorted[i - 1], current = sorted[i];
            if (current.DataBegin < previous.DataEnd)
                throw FormatErrors.Invalid(path,
                    $"tensor '{current.Name}' data_offsets [{current.DataBegin}, {current.DataEnd}) overlap tensor '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd})");
        }
    }

    /// <summary>
    /// The format requires the tensors to cover the data section exactly, without holes. A byte that
    /// belongs to no tensor is how a wrong header length shows: one byte short, and every tensor would
    /// be read one byte early, giving plausible but wrong weights.
    /// </summary>
    private static void CheckCoverage(string path, IEnumerable<TensorInfo> tensors, long dataSectionLength)
    {
        long covered = 0;
        foreach (TensorInfo tensor in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataBegin))
        {
            if (tensor.DataBegin != covered)
                throw FormatErrors.Invalid(path,
                    $"bytes [{covered}, {tensor.DataBegin}) of the data section belong to no tensor (before tensor '{tensor.Name}'); the header's offsets or its length field are wrong");
            covered = tensor.DataEnd;
        }
        if (covered != dataSectionLength)
            throw FormatErrors.Invalid(path,
                $"the data section is {dataSectionLength} bytes but the tensors cover {covered}: {dataSectionLength - covered} byte(s) belong to no tensor; the header length field is wrong or the file has trailing data");
    }
}
