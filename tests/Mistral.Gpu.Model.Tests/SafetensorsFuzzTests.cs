using System.Buffers.Binary;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Corrupts the header of a real file thousands of ways (fixed seed) and requires that opening and
/// reading either succeeds or fails with InvalidDataException: never an index, null-reference or
/// overflow error, never a hang.
/// </summary>
public class SafetensorsFuzzTests
{
    private const int Iterations = 2000;

    [Fact]
    public async Task Corrupted_headers_fail_cleanly()
    {
        byte[] original = File.ReadAllBytes(Path.Combine(SharedData.MistralTinyCase("case_a_hd16_w8"), "reference.safetensors"));
        // A TimeoutException here means some corrupted header made the reader hang.
        (int opened, int rejected) = await Task.Run(() => Fuzz(original)).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(Iterations, opened + rejected);
        Assert.True(rejected > Iterations / 2, $"only {rejected} of {Iterations} corruptions were rejected");
    }

    private static (int Opened, int Rejected) Fuzz(byte[] original)
    {
        var random = new Random(20240611);
        using var dir = new TempDirectory();
        string path = dir.File("fuzz.safetensors");
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        return FuzzLoop.Run(Iterations, path, _ => Corrupt(original, headerLength, random), corrupted =>
        {
            using var file = SafetensorsFile.Open(corrupted);
            foreach (TensorInfo info in file.Tensors.Values)
            {
                if (info.DType.IsFloatingPoint())
                    file.ReadFloat32(info.Name);
                else
                    file.ReadInt32(info.Name);
            }
        });
    }

    private static byte[] Corrupt(byte[] original, int headerLength, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                // Change the length field itself.
                bytes[random.Next(8)] = (byte)random.Next(256);
                return bytes;
            case 1:
                // Cut the file somewhere in or after the header.
                return bytes[..random.Next(0, 8 + headerLength + 64)];
            case 2:
                // Replace digits in the header with other digits: shapes and offsets go wrong but stay JSON.
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    int at = 8 + random.Next(headerLength);
                    if (bytes[at] is >= (byte)'0' and <= (byte)'9')
                        bytes[at] = (byte)('0' + random.Next(10));
                    else
                        n++;
                }
                return bytes;
            case 3:
                // Swap in JSON punctuation.
                const string punctuation = "{}[],:\"-.0e ";
                for (int n = random.Next(1, 4); n > 0; n--)
                    bytes[8 + random.Next(headerLength)] = (byte)punctuation[random.Next(punctuation.Length)];
                return bytes;
            default:
                // Arbitrary bytes anywhere in the header.
                for (int n = random.Next(1, 5); n > 0; n--)
                    bytes[8 + random.Next(headerLength)] = (byte)random.Next(256);
                return bytes;
        }
    }
}
