namespace Mistral.Gpu.Model.Checkpoints.Gguf;

/// <summary>
/// A read-only, memory-mapped GGUF file (versions 2 and 3): the magic <c>GGUF</c>, a version, the tensor and metadata
/// counts, typed key-value metadata, tensor infos (name, dimensions, ggml type, offset), then the tensor data from the
/// first multiple of <c>general.alignment</c> (default 32) after the infos. Everything is validated in
/// <see cref="Open"/> (counts against the bytes left, types, dimensions and byte sizes without overflow, offsets
/// aligned, inside the file and not overlapping) before any tensor is read.
/// </summary>
public sealed class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The data alignment when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>At most this many dimensions per tensor (ggml's GGML_MAX_DIMS).</summary>
    public const int MaxDimensions = 4;

    /// <summary>Deepest nesting of arrays accepted in metadata.</summary>
    private const int MaxArrayDepth = 3;

    private readonly MappedFile _file;
    private readonly Dictionary<string, GgufTensorInfo> _tensors;

    private GgufFile(MappedFile file, int version, GgufMetadata metadata, Dictionary<string, GgufTensorInfo> tensors, long dataStart, int alignment)
    {
        _file = file;
        Version = version;
        Metadata = metadata;
        _tensors = tensors;
        DataStart = dataStart;
        Alignment = alignment;
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path => _file.Path;

    /// <summary>The format version: 2 or 3.</summary>
    public int Version { get; }

    /// <summary>The key-value metadata.</summary>
    public GgufMetadata Metadata { get; }

    /// <summary>Every tensor, by name.</summary>
    public IReadOnlyDictionary<string, GgufTensorInfo> Tensors => _tensors;

    /// <summary>File offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Alignment of the data section and of every tensor in it.</summary>
    public int Alignment { get; }

    /// <summary>Opens, validates and maps <paramref name="path"/>.</summary>
    /// <param name="path">A .gguf file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid GGUF v2/v3 file; the message names the file and the field.</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"GGUF file not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length < 4)
            throw FormatErrors.Invalid(path, $"truncated: the file is {stream.Length} bytes, shorter than the 4-byte magic");
        var file = MappedFile.Open(path, stream);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static GgufFile Parse(MappedFile file)
    {
        string path = file.Path;
        // The header (metadata and tensor infos) must lie in the first 2 GiB; tensor data may lie anywhere after it.
        var cursor = new GgufCursor(file.Span(0, (int)Math.Min(file.Length, int.MaxValue)), path);
        uint magic = cursor.U32("magic");
        if (magic != Magic)
            throw FormatErrors.Invalid(path, $"magic is 0x{magic:X8}, not 'GGUF' (0x{Magic:X8}); this is not a GGUF file");
        uint version = cursor.U32("version");
        if (version is not (2 or 3))
            throw FormatErrors.Invalid(path, $"version {version} is not supported (GGUF 2 and 3 are)");
        // The smallest tensor info is an empty name (8), one dimension (4 + 8), a type (4) and an offset (8).
        int tensorCount = cursor.Count("tensor_count", minBytesEach: 32);
        // The smallest key-value pair is an empty key (8), a type (4) and a one-byte value.
        int metadataCount = cursor.Count("metadata_kv_count", minBytesEach: 13);

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        for (int i = 0; i < metadataCount; i++)
        {
            string key = cursor.String($"metadata key {i}");
            if (values.ContainsKey(key))
                throw FormatErrors.Invalid(path, $"metadata '{key}' appears twice");
            uint type = cursor.U32($"metadata '{key}' (type)");
            values[key] = ReadValue(ref cursor, type, $"metadata '{key}'", depth: 0);
        }
        var metadata = new GgufMetadata(path, values);
        int alignment = metadata.OptionalInt("general.alignment") ?? DefaultAlignment;
        if ((alignment & (alignment - 1)) != 0)
            throw FormatErrors.Invalid(path, $"metadata 'general.alignment' = {alignment} must be a power of two");

        var infos = new List<(string Name, uint Type, long[] Dims, ulong Offset)>(tensorCount);
        for (int i = 0; i < tensorCount; i++)
        {
            string name = cursor.String($"tensor {i} (name)");
            uint dimCount = cursor.U32($"tensor '{name}' (n_dims)");
            if (dimCount is 0 or > MaxDimensions)
                throw FormatErrors.Invalid(path, $"tensor '{name}': n_dims is {dimCount}; it must be 1 to {MaxDimensions}");
            var dims = new long[dimCount];
            for (int d = 0; d < dims.Length; d++)
            {
                ulong extent = cursor.U64($"tensor '{name}' (dimension {d})");
                if (extent is 0 or > long.MaxValue)
                    throw FormatErrors.Invalid(path, $"tensor '{name}': dimension {d} is {extent}; it must be positive and below 2^63");
                dims[d] = (long)extent;
            }
            uint type = cursor.U32($"tensor '{name}' (type)");
            ulong offset = cursor.U64($"tensor '{name}' (offset)");
            infos.Add((name, type, dims, offset));
        }

        long dataStart = AlignUp(cursor.Position, alignment);
        if (dataStart > file.Length)
            throw FormatErrors.Invalid(path, $"truncated: the data section would start at {dataStart}, past the end of the file ({file.Length} bytes)");
        long dataLength = file.Length - dataStart;
        var tensors = new Dictionary<string, GgufTensorInfo>(StringComparer.Ordinal);
        foreach (var (name, type, dims, offset) in infos)
        {
            var info = CheckTensor(path, name, type, dims, offset, alignment, dataLength);
            if (!tensors.TryAdd(name, info))
                throw FormatErrors.Invalid(path, $"tensor '{name}' appears twice");
        }
        CheckNoOverlap(path, tensors.Values);
        return new GgufFile(file, (int)version, metadata, tensors, dataStart, alignment);
    }

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <paramref name="alignment"/> (a power of two).</summary>
    /// <param name="offset">A non-negative offset.</param>
    /// <param name="alignment">A power of two.</param>
    public static long AlignUp(long offset, int alignment) => (offset + alignment - 1) & ~((long)alignment - 1);

    private static GgufTensorInfo CheckTensor(string path, string name, uint code, long[] dims, ulong offset, int alignment, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (!GgufTensorTypes.IsSupported(code))
            throw FormatErrors.Invalid(path, $"{where}: type {GgufTensorTypes.Describe(code)} is not supported (F32, F16, Q8_0 and Q4_0 are)");
        var type = (GgufTensorType)code;
        string shape = TensorInfo.FormatShape(dims.Reverse().ToArray());
        if (dims[0] % type.BlockSize() != 0)
            throw FormatErrors.Invalid(path, $"{where}: rows of {dims[0]} elements are not a whole number of {type} blocks of {type.BlockSize()}");
        if (GgufTensorInfo.ByteSize(type, dims) is not { } bytes)
            throw FormatErrors.Invalid(path, $"{where}: shape {shape} is too large (its byte size overflows)");
        if (offset % (ulong)alignment != 0)
            throw FormatErrors.Invalid(path, $"{where}: offset {offset} is not a multiple of the alignment {alignment}");
        if (offset > (ulong)dataLength || !MappedFile.Fits((long)offset, bytes, dataLength))
            throw FormatErrors.Invalid(path, $"{where}: {bytes} bytes at offset {offset} run past the end of the data section ({dataLength} bytes); the file is truncated or the offset is wrong");
        return new GgufTensorInfo(name, type, dims, (long)offset, bytes);
    }

    private static void CheckNoOverlap(string path, IEnumerable<GgufTensorInfo> tensors)
    {
        var sorted = tensors.OrderBy(t => t.Offset).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            GgufTensorInfo previous = sorted[i - 1], current = sorted[i];
            if (current.Offset < previous.Offset + previous.ByteLength)
                throw FormatErrors.Invalid(path, $"tensor '{current.Name}' at offset {current.Offset} overlaps tensor '{previous.Name}' [{previous.Offset}, {previous.Offset + previous.ByteLength})");
        }
    }

    private static object ReadValue(ref GgufCursor cursor, uint type, string field, int depth) => (GgufValueType)type switch
    {
        GgufValueType.UInt8 => (long)cursor.U8(field),
        GgufValueType.Int8 => (long)(sbyte)cursor.U8(field),
        GgufValueType.UInt16 => (long)cursor.U16(field),
        GgufValueType.Int16 => (long)(short)cursor.U16(field),
        GgufValueType.UInt32 => (long)cursor.U32(field),
        GgufValueType.Int32 => (long)(int)cursor.U32(field),
        GgufValueType.UInt64 => cursor.U64(field),
        GgufValueType.Int64 => (long)cursor.U64(field),
        GgufValueType.Float32 => (double)cursor.F32(field),
        GgufValueType.Float64 => cursor.F64(field),
        GgufValueType.Bool => ReadBool(ref cursor, field),
        GgufValueType.String => cursor.String(field),
        GgufValueType.Array => ReadArray(ref cursor, field, depth),
        _ => throw FormatErrors.Invalid(cursor.Path, $"{field} has unknown value type {type}"),
    };

    private static bool ReadBool(ref GgufCursor cursor, string field)
    {
        byte b = cursor.U8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw FormatErrors.Invalid(cursor.Path, $"{field} is a bool stored as {b}, not 0 or 1"),
        };
    }

    private static object ReadArray(ref GgufCursor cursor, string field, int depth)
    {
        if (depth >= MaxArrayDepth)
            throw FormatErrors.Invalid(cursor.Path, $"{field}: arrays nested deeper than {MaxArrayDepth} levels");
        uint elementType = cursor.U32($"{field} (array element type)");
        int size = (GgufValueType)elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => throw FormatErrors.Invalid(cursor.Path, $"{field} is an array of unknown value type {elementType}"),
        };
        int count = cursor.Count($"{field} (array length)", size);
        switch ((GgufValueType)elementType)
        {
            case GgufValueType.String:
                var strings = new string[count];
                for (int i = 0; i < count; i++) strings[i] = cursor.String($"{field}[{i}]");
                return strings;
            case GgufValueType.Float32:
                var floats = new float[count];
                for (int i = 0; i < count; i++) floats[i] = cursor.F32($"{field}[{i}]");
                return floats;
            case GgufValueType.Int32:
                var ints = new int[count];
                for (int i = 0; i < count; i++) ints[i] = (int)cursor.U32($"{field}[{i}]");
                return ints;
            case GgufValueType.Bool:
                var bools = new bool[count];
                for (int i = 0; i < count; i++) bools[i] = ReadBool(ref cursor, $"{field}[{i}]");
                return bools;
            case GgufValueType.Float64:
                var doubles = new double[count];
                for (int i = 0; i < count; i++) doubles[i] = cursor.F64($"{field}[{i}]");
                return doubles;
            case GgufValueType.UInt64:
                var ulongs = new ulong[count];
                for (int i = 0; i < count; i++) ulongs[i] = cursor.U64($"{field}[{i}]");
                return ulongs;
            case GgufValueType.Array:
                var nested = new object[count];
                for (int i = 0; i < count; i++) nested[i] = ReadValue(ref cursor, elementType, $"{field}[{i}]", depth + 1);
                return nested;
            default:
                var longs = new long[count];
                for (int i = 0; i < count; i++) longs[i] = (long)ReadValue(ref cursor, elementType, $"{field}[{i}]", depth + 1);
                return longs;
        }
    }

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    /// <param name="name">A tensor name.</param>
    public GgufTensorInfo? Find(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>
    /// The file offset of a tensor's first byte: the data section's start plus the tensor's offset, in 64-bit
    /// arithmetic, so tensors past 2^32 in a many-gigabyte file are addressed correctly.
    /// </summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    public long DataOffset(GgufTensorInfo info) => DataStart + info.Offset;

    /// <summary>The raw bytes of a tensor, straight from the mapping; valid until <see cref="Dispose"/>.</summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    /// <exception cref="NotSupportedException">The tensor is 2 GiB or larger (a span cannot cover it).</exception>
    public ReadOnlySpan<byte> GetBytes(GgufTensorInfo info)
    {
        if (info.ByteLength > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{info.Name}' is {info.ByteLength} bytes, larger than one span can address");
        return _file.Span(DataOffset(info), (int)info.ByteLength);
    }

    /// <summary>Drops this process's mapped pages of a tensor already converted (see <see cref="SafetensorsFile.ReleasePages"/>).</summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    public void ReleasePages(GgufTensorInfo info) => _file.ReleasePages(DataOffset(info), info.ByteLength);

    /// <summary>Unmaps the file.</summary>
    public void Dispose() => _file.Dispose();
}
