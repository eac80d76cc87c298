using System.Buffers.Binary;
using System.Text.Json;
using Mistral.Gpu.Model.Files;

namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Writes safetensors files (used for logits dumps) through <see cref="OutputFiles"/>: to a temporary
/// name in the same folder, renamed over the target only when complete, and only ever as a regular file.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> in the order given.</summary>
    /// <param name="path">Target file; replaced if it is a regular file, refused if it is a folder, link or special file.</param>
    /// <param name="tensors">Tensors with distinct names.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    public static void Write(string path, IEnumerable<SafetensorsTensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsTensorData[] list = tensors.ToArray();
        Write(path, list.Select(t => new SafetensorsTensorSpec(t.Name, t.DType, t.Shape)).ToArray(),
            (i, stream) => stream.Write(list[i].Data.Span), metadata);
    }

    /// <summary>
    /// Writes a file whose tensors are produced one at a time, so a checkpoint of many gigabytes never has to be in
    /// memory: the header comes from <paramref name="tensors"/>' shapes, then <paramref name="writeData"/> is called
    /// for each tensor in order and must write exactly its bytes.
    /// </summary>
    /// <param name="path">Target file; replaced if it exists.</param>
    /// <param name="tensors">Names, dtypes and shapes, with distinct names.</param>
    /// <param name="writeData">Writes tensor i's little-endian bytes to the stream.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <exception cref="InvalidOperationException"><paramref name="writeData"/> wrote another number of bytes than the tensor holds.</exception>
    public static void Write(string path, IReadOnlyList<SafetensorsTensorSpec> tensors, Action<int, Stream> writeData, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(writeData);
        byte[] header = BuildHeader(tensors, metadata);

        OutputFiles.Write(path, "output file", stream =>
        {
            Span<byte> lengthField = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthField, (ulong)header.Length);
            stream.Write(lengthField);
            stream.Write(header);
            for (int i = 0; i < tensors.Count; i++)
            {
                long before = stream.Position;
                writeData(i, stream);
                if (stream.Position - before != tensors[i].ByteLength)
                    throw new InvalidOperationException($"tensor '{tensors[i].Name}' needs {tensors[i].ByteLength} bytes but {stream.Position - before} were written");
            }
        });
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> entry in metadata)
                    json.WriteString(entry.Key, entry.Value);
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensorSpec tensor in tensors)
            {
                if (tensor.Name == SafetensorsHeader.MetadataKey)
                    throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
                if (!names.Add(tensor.Name))
                    throw new ArgumentException($"tensor '{tensor.Name}' is given twice", nameof(tensors));
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToSafetensorsName());
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }
            json.WriteEndObject();
        }

        // Space padding keeps the data section 8-byte aligned, as the reference writer does, so
        // mapped tensors can be read with aligned loads.
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}
