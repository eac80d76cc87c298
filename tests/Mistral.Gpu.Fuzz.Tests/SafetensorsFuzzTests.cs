using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Mistral.Gpu.Model.Checkpoints;
using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Corrupts real safetensors files (fixed seed) in the ways exports and downloads go wrong: truncated at
/// every structural offset, a wrong header length, bytes and punctuation in the header, and entries whose
/// dtype, shape or offsets are edited as JSON. Opening and reading every tensor must either work or fail
/// with a clean error naming the file; a truncated file or a header length off by any amount must be refused
/// (a length one byte short used to shift every weight by a byte and load).
/// </summary>
public sealed class SafetensorsFuzzTests(ITestOutputHelper output)
{
    private const int RandomCases = 3000;

    private static readonly string[] DTypes = ["F32", "F16", "BF16", "I32", "I64", "U8", "I8", "F64", "f32", "", "F8_E4M3"];

    [Fact]
    public void Corrupted_files_are_read_or_refused_cleanly()
    {
        byte[] small = File.ReadAllBytes(Path.Combine(SharedData.MistralTinyCase("case_a_hd16_w8"), "reference.safetensors"));
        byte[] weights = File.ReadAllBytes(Path.Combine(SharedData.MistralTinyCase("case_a_hd16_w8"), "consolidated.safetensors"));
        var random = FuzzSeed.For(1);
        var tally = new FuzzTally("safetensors headers and data", output);
        using var dir = new TempDirectory();
        string path = dir.File("fuzz.safetensors");
        int number = 0;

        foreach (int cut in StructuralOffsets(weights))
        {
            File.WriteAllBytes(path, weights[..cut]);
            string outcome = CleanFailure.Check(number++, path, () => ReadAll(path));
            Assert.True(outcome == CleanFailure.Refused, $"a copy cut to {cut} of {weights.Length} bytes was accepted");
            tally.Count("truncations refused");
        }
        foreach (long delta in new long[] { -1, 1, -2, 2, -7, 7, -8, 8, -64, 64 })
        {
            byte[] bytes = (byte[])weights.Clone();
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)((long)length + delta));
            File.WriteAllBytes(path, bytes);
            Assert.True(CleanFailure.Check(number++, path, () => ReadAll(path)) == CleanFailure.Refused, $"header length {delta:+0;-0} was accepted");
            tally.Count("wrong header lengths refused");
        }
        for (int i = 0; i < RandomCases; i++)
        {
            File.WriteAllBytes(path, i % 2 == 0 ? CorruptBytes(small, random) : EditEntry(small, random));
            tally.Count(CleanFailure.Check(number++, path, () => ReadAll(path)));
        }
        tally.Report(StructuralOffsets(weights).Count() + 10 + RandomCases);
        Assert.True(tally.Of(CleanFailure.Refused) > RandomCases / 2, $"only {tally.Of(CleanFailure.Refused)} of {RandomCases} random corruptions were refused");
    }

    private static void ReadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (TensorInfo info in file.Tensors.Values)
        {
            if (info.DType.IsFloatingPoint()) file.ReadFloat32(info.Name);
            else file.ReadInt32(info.Name);
        }
    }

    /// <summary>Every offset of the length field and the header, and each tensor's first, second and last byte.</summary>
    private static IEnumerable<int> StructuralOffsets(byte[] file)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var offsets = new SortedSet<int>(Enumerable.Range(0, 8 + headerLength + 1));
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, headerLength))!.AsObject();
        foreach (var (name, entry) in header)
        {
            if (name == "__metadata__") continue;
            var range = entry!["data_offsets"]!.AsArray();
            long begin = 8 + headerLength + (long)range[0]!, end = 8 + headerLength + (long)range[1]!;
            foreach (long at in new[] { begin + 1, begin + 2, end - 1 })
                if (at < file.Length) offsets.Add((int)at);
        }
        offsets.Add(file.Length - 1);
        return offsets;
    }

    private static byte[] CorruptBytes(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        switch (random.Next(4))
        {
            case 0:
                bytes[random.Next(8)] = (byte)random.Next(256);
                return bytes;
            case 1:
                // Replace digits in the header with other digits: shapes and offsets go wrong but stay JSON.
                for (int n = random.Next(1, 4), tries = 0; n > 0 && tries < 10_000; tries++)
                {
                    int at = 8 + random.Next(headerLength);
                    if (bytes[at] is >= (byte)'0' and <= (byte)'9') { bytes[at] = (byte)('0' + random.Next(10)); n--; }
                }
                return bytes;
            case 2:
                const string punctuation = "{}[],:\"-.0e ";
                for (int n = random.Next(1, 4); n > 0; n--)
                    bytes[8 + random.Next(headerLength)] = (byte)punctuation[random.Next(punctuation.Length)];
                return bytes;
            default:
                for (int n = random.Next(1, 5); n > 0; n--)
                    bytes[8 + random.Next(headerLength)] = (byte)random.Next(256);
                return bytes;
        }
    }

    /// <summary>Edits one tensor entry as JSON (dtype, shape, offsets, a duplicate, a removal) and keeps the data.</summary>
    private static byte[] EditEntry(byte[] original, Random random)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(original, 8, headerLength))!.AsObject();
        string[] names = header.Select(p => p.Key).Where(k => k != "__metadata__").ToArray();
        string name = names[random.Next(names.Length)];
        var entry = header[name]!.AsObject();
        string text;
        switch (random.Next(6))
        {
            case 0:
                entry["dtype"] = DTypes[random.Next(DTypes.Length)];
                break;
            case 1:
                var shape = entry["shape"]!.AsArray();
                long[] values = [.. shape.Select(d => (long)d!)];
                int which = random.Next(values.Length + 1);
                JsonArray edited = [.. values.Select(v => (JsonNode?)v)];
                if (which == values.Length) edited.Add(random.Next(3));
                else edited[which] = new[] { -1L, 0, 1, values[which] + 1, values[which] * 2, long.MaxValue, 1L << 40 }[random.Next(7)];
                entry["shape"] = edited;
                break;
            case 2:
                var range = entry["data_offsets"]!.AsArray();
                int end = random.Next(2);
                long delta = new[] { -1L, 1, -4, 4, 1 << 20, -(long)range[end]! - 1 }[random.Next(6)];
                range[end] = (long)range[end]! + delta;
                break;
            case 3:
                header.Remove(name);
                break;
            case 4:
                // A duplicate key: System.Text.Json keeps both when parsing, so the reader must notice.
                text = header.ToJsonString();
                string copy = $"\"{name}\":{entry.ToJsonString()}";
                return Rebuild(original, headerLength, text.Insert(text.Length - 1, "," + copy));
            default:
                header[$"extra.{random.Next(100)}"] = JsonNode.Parse(entry.ToJsonString());
                break;
        }
        return Rebuild(original, headerLength, header.ToJsonString());
    }

    private static byte[] Rebuild(byte[] original, int headerLength, string headerJson)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        byte[] data = original[(8 + headerLength)..];
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}
