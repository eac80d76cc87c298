using System.Buffers.Binary;
using System.Text;
using Mistral.Gpu.Model.Checkpoints.Gguf;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Writes GGUF files for the tests, from the specification, independently of the reader: metadata of any value type,
/// tensors in F32 / F16 / Q8_0 / Q4_0 (quantised the way llama.cpp's reference quantisers do), the data section
/// aligned. <see cref="Dequantized"/> keeps, per quantised tensor, the values its blocks stand for (scale · code,
/// computed here), which is what a reader must reproduce.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, GgufValueType Type, Action<BinaryWriter> Write)> _metadata = [];
    private readonly List<(string Name, uint Type, long[] Dims, byte[] Data)> _tensors = [];

    public Dictionary<string, float[]> Dequantized { get; } = new(StringComparer.Ordinal);

    public GgufWriter String(string key, string value) => Add(key, GgufValueType.String, w => WriteString(w, value));
    public GgufWriter UInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));
    public GgufWriter Int32(string key, int value) => Add(key, GgufValueType.Int32, w => w.Write(value));
    public GgufWriter Float32(string key, float value) => Add(key, GgufValueType.Float32, w => w.Write(value));
    public GgufWriter Bool(string key, bool value) => Add(key, GgufValueType.Bool, w => w.Write((byte)(value ? 1 : 0)));

    public GgufWriter Strings(string key, IReadOnlyList<string> values) => Add(key, GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.String);
        w.Write((ulong)values.Count);
        foreach (string v in values) WriteString(w, v);
    });

    public GgufWriter Floats(string key, IReadOnlyList<float> values) => Add(key, GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.Float32);
        w.Write((ulong)values.Count);
        foreach (float v in values) w.Write(v);
    });

    public GgufWriter Ints(string key, IReadOnlyList<int> values) => Add(key, GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.Int32);
        w.Write((ulong)values.Count);
        foreach (int v in values) w.Write(v);
    });

    /// <summary>A metadata entry written by the caller (any type code, any bytes), for malformed files.</summary>
    public GgufWriter Raw(string key, uint type, byte[] value) => Add(key, (GgufValueType)type, w => w.Write(value));

    /// <summary>A tensor of [rows, ..., cols] (outermost first) stored as <paramref name="type"/>.</summary>
    public GgufWriter Tensor(string name, GgufTensorType type, ReadOnlySpan<float> values, params long[] shape)
    {
        long[] dims = shape.Reverse().ToArray();
        byte[] data = type switch
        {
            GgufTensorType.F32 => Encode(values, 4, (s, v) => BinaryPrimitives.WriteSingleLittleEndian(s, v)),
            GgufTensorType.F16 => Encode(values, 2, (s, v) => BinaryPrimitives.WriteHalfLittleEndian(s, (Half)v)),
            GgufTensorType.Q8_0 => QuantizeQ8_0(name, values),
            GgufTensorType.Q4_0 => QuantizeQ4_0(name, values),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        _tensors.Add((name, (uint)type, dims, data));
        return this;
    }

    /// <summary>The stored bytes of tensor <paramref name="name"/>, as written.</summary>
    public byte[] TensorData(string name) => _tensors.Single(t => t.Name == name).Data;

    /// <summary>A tensor with a raw type code, dimensions (ggml order) and bytes, for malformed files.</summary>
    public GgufWriter RawTensor(string name, uint type, long[] dims, byte[] data)
    {
        _tensors.Add((name, type, dims, data));
        return this;
    }

    /// <summary>The file's bytes. <paramref name="offsets"/> overrides the tensor offsets written (for malformed files).</summary>
    public byte[] ToBytes(uint version = 3, int alignment = GgufFile.DefaultAlignment, IReadOnlyList<ulong>? offsets = null)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFile.Magic);
        w.Write(version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, write) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            write(w);
        }
        long offset = 0;
        var placed = new List<long>();
        for (int i = 0; i < _tensors.Count; i++)
        {
            var (name, type, dims, data) = _tensors[i];
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (long d in dims) w.Write((ulong)d);
            w.Write(type);
            w.Write(offsets?[i] ?? (ulong)offset);
            placed.Add(offset);
            offset = AlignUp(offset + data.Length, alignment);
        }
        w.Flush();
        Pad(stream, alignment);
        long dataStart = stream.Length;
        for (int i = 0; i < _tensors.Count; i++)
        {
            stream.Position = dataStart + placed[i];
            stream.Write(_tensors[i].Data);
        }
        return stream.ToArray();
    }

    public string WriteTo(string path, uint version = 3)
    {
        File.WriteAllBytes(path, ToBytes(version));
        return path;
    }

    private GgufWriter Add(string key, GgufValueType type, Action<BinaryWriter> write)
    {
        _metadata.Add((key, type, write));
        return this;
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static long AlignUp(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;

    private static void Pad(Stream stream, int alignment)
    {
        while (stream.Length % alignment != 0) stream.WriteByte(0);
        stream.Position = stream.Length;
    }

    private static byte[] Encode(ReadOnlySpan<float> values, int size, SpanAction write)
    {
        var data = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++) write(data.AsSpan(i * size), values[i]);
        return data;
    }

    private delegate void SpanAction(Span<byte> destination, float value);

    /// <summary>llama.cpp's quantize_row_q8_0_ref: d = max|x| / 127, q = round(x / d).</summary>
    private byte[] QuantizeQ8_0(string name, ReadOnlySpan<float> values)
    {
        var data = new byte[values.Length / 32 * 34];
        var dequantized = new float[values.Length];
        for (int b = 0; b < values.Length / 32; b++)
        {
            var x = values.Slice(b * 32, 32);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
            Half dh = (Half)d;
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(b * 34), dh);
            for (int i = 0; i < 32; i++)
            {
                sbyte q = (sbyte)MathF.Round(x[i] * id);
                data[b * 34 + 2 + i] = (byte)q;
                dequantized[b * 32 + i] = (float)dh * q;
            }
        }
        Dequantized[name] = dequantized;
        return data;
    }

    /// <summary>llama.cpp's quantize_row_q4_0_ref: d = (the value of largest magnitude) / -8, code = min(15, (int)(x / d + 8.5)).</summary>
    private byte[] QuantizeQ4_0(string name, ReadOnlySpan<float> values)
    {
        var data = new byte[values.Length / 32 * 18];
        var dequantized = new float[values.Length];
        for (int b = 0; b < values.Length / 32; b++)
        {
            var x = values.Slice(b * 32, 32);
            float amax = 0, max = 0;
            foreach (float v in x)
                if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
            float d = max / -8f, id = d != 0 ? 1f / d : 0f;
            Half dh = (Half)d;
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(b * 18), dh);
            for (int j = 0; j < 16; j++)
            {
                int lo = Math.Min(15, (int)(x[j] * id + 8.5f));
                int hi = Math.Min(15, (int)(x[j + 16] * id + 8.5f));
                data[b * 18 + 2 + j] = (byte)(lo | (hi << 4));
                dequantized[b * 32 + j] = (float)dh * (lo - 8);
                dequantized[b * 32 + j + 16] = (float)dh * (hi - 8);
            }
        }
        Dequantized[name] = dequantized;
        return data;
    }
}
