using System.Buffers.Binary;
using Mistral.Gpu.Model.Files;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// A read-only, memory-mapped safetensors file: 8-byte little-endian header length N, N bytes of
/// JSON header, then the raw tensor data. The header is validated completely in <see cref="Open"/>
/// before any tensor data is touched, so later reads cannot go out of bounds.
/// </summary>
/// <remarks>
/// Memory-mapping lets a multi-gigabyte checkpoint be read tensor by tensor without copying it into
/// managed memory first; the OS pages in only what is read. Spans returned by <see cref="GetBytes(string)"/>
/// point into the mapping and must not be used after <see cref="Dispose"/>.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>
    /// Largest header accepted. Real headers are kilobytes; a bigger length field is corruption, and
    /// refusing it early avoids allocating gigabytes to parse garbage.
    /// </summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly SafetensorsHeader _header;
    private readonly MappedFile _file;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafetensorsHeader header, MappedFile file, long dataStart)
    {
        Path = path;
        _header = header;
        _file = file;
        _dataStart = dataStart;
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, by name.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _header.Tensors;

    /// <summary>The optional <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens, validates and maps <paramref name="path"/>.</summary>
    /// <param name="path">A .safetensors file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileKinds.RequireRegular(path, "safetensors file");

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw FormatErrors.Invalid(path, $"truncated: the file is {fileLength} bytes, shorter than the 8-byte header length field");

        Span<byte> lengthField = stackalloc byte[8];
        stream.ReadExactly(lengthField);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (headerLength > MaxHeaderBytes)
            throw FormatErrors.Invalid(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit; the file is corrupt or not safetensors");
        if (headerLength > (ulong)(fileLength - 8))
            throw FormatErrors.Invalid(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes); the file is truncated or not safetensors");

        var json = new byte[(int)headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        SafetensorsHeader header = SafetensorsHeader.Parse(path, json, fileLength - dataStart);

        return new SafetensorsFile(path, header, MappedFile.Open(path, stream), dataStart);
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    /// <param name="name">Tensor name.</param>
    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    /// <param name="name">Tensor name.</param>
    /// <exception cref="InvalidDataException">No such tensor.</exception>
    public TensorInfo GetInfo(string name)
    {
        if (_header.Tensors.TryGetValue(name, out TensorInfo? info))
            return info;
        throw FormatErrors.Invalid(Path, $"tensor '{name}' is not in this file");
    }

    /// <summary>The shape of <paramref name="name"/>, outermost dimension first.</summary>
    /// <param name="name">Tensor name.</param>
    public IReadOnlyList<long> GetShape(string name) => GetInfo(name).Shape;

    /// <summary>The raw little-endian bytes of <paramref name="name"/>, straight from the mapping.</summary>
    /// <param name="name">Tensor name.</param>
    /// <exception cref="NotSupportedException">The tensor is 2 GiB or larger (a span cannot cover it).</exception>
    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetInfo(name));

    /// <summary>The raw bytes of a tensor of this file.</summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    public ReadOnlySpan<byte> GetBytes(TensorInfo info)
    {
        if (info.ByteLength > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{info.Name}' is {info.ByteLength} bytes, larger than one span can address");
        return _file.Span(DataOffset(info), (int)info.ByteLength);
    }

    /// <summary>
    /// Where a tensor's bytes start in the file: 8 + header length + its begin offset, in 64-bit arithmetic, so a
    /// tensor past 2^32 in a 14.5 GB single-file checkpoint is addressed correctly.
    /// </summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    public long DataOffset(TensorInfo info) => _dataStart + info.DataBegin;

    /// <summary>
    /// Tells the OS this process is done with a tensor's mapped pages, so they stop counting towards its resident
    /// memory (Linux; elsewhere nothing happens). Reading the tensor again pages it back in.
    /// </summary>
    /// <param name="info">An entry of <see cref="Tensors"/>.</param>
    public void ReleasePages(TensorInfo info) => _file.ReleasePages(DataOffset(info), info.ByteLength);

    /// <summary>Reads a floating-point tensor (F32, F16 or BF16) as float32.</summary>
    /// <param name="name">Tensor name.</param>
    public float[] ReadFloat32(string name)
    {
        TensorInfo info = GetInfo(name);
        var result = new float[checked((int)info.ElementCount)];
        ReadAsFloat32(name, result);
        return result;
    }

    /// <summary>Converts a floating-point tensor (F32, F16 or BF16) into <paramref name="destination"/>.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="destination">Exactly as many elements as the tensor holds.</param>
    public void ReadAsFloat32(string name, Span<float> destination)
    {
        TensorInfo info = GetInfo(name);
        if (!info.DType.IsFloatingPoint())
            throw FormatErrors.Invalid(Path, $"tensor '{name}' has dtype {info.DType}, not F32/F16/BF16, so it cannot be read as float32");
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"tensor '{name}' has {info.ElementCount} elements but the destination holds {destination.Length}", nameof(destination));
        Float32Conversion.Convert(GetBytes(info), info.DType, destination);
    }

    /// <summary>Reads an integer tensor (I32, or I64/I8/U8 whose values fit an int) as int32.</summary>
    /// <param name="name">Tensor name.</param>
    public int[] ReadInt32(string name)
    {
        TensorInfo info = GetInfo(name);
        ReadOnlySpan<byte> bytes = GetBytes(info);
        var result = new int[checked((int)info.ElementCount)];
        switch (info.DType)
        {
            case TensorDType.I32:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
                break;
            case TensorDType.I64:
                for (int i = 0; i < result.Length; i++)
                {
                    long v = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]);
                    if (v is < int.MinValue or > int.MaxValue)
                        throw FormatErrors.Invalid(Path, $"tensor '{name}' element {i} = {v} does not fit in int32");
                    result[i] = (int)v;
                }
                break;
            case TensorDType.I8:
                for (int i = 0; i < result.Length; i++) result[i] = (sbyte)bytes[i];
                break;
            case TensorDType.U8:
                for (int i = 0; i < result.Length; i++) result[i] = bytes[i];
                break;
            default:
                throw FormatErrors.Invalid(Path, $"tensor '{name}' has dtype {info.DType}, not an integer type, so it cannot be read as int32");
        }
        return result;
    }

    /// <summary>Unmaps the file. Spans obtained earlier become invalid.</summary>
    public void Dispose() => _file.Dispose();
}
