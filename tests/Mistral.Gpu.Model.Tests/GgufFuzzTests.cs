using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Corrupts a real GGUF model (mistral-tiny case_a with stories260k's tokenizer) thousands of ways (fixed seed) and
/// requires that opening it, reading every tensor and building the tokenizer either succeed or fail with an
/// <see cref="InvalidDataException"/> naming the file: never an index, overflow or out-of-memory error, never a hang.
/// </summary>
public class GgufFuzzTests
{
    private const int Iterations = 1500;

    [Fact]
    public async Task Corrupted_files_fail_cleanly()
    {
        var writer = GgufValidationTests.TinyModel();
        GgufExport.Tokenizer(writer, SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model")));
        byte[] original = writer.ToBytes();
        int headerLength;
        using (var dir = new TempDirectory())
        using (var file = GgufFile.Open(dir.Write("ok.gguf", original)))
            headerLength = (int)file.DataStart;
        // A TimeoutException here means some corrupted file made the reader hang.
        (int opened, int rejected) = await Task.Run(() => Fuzz(original, headerLength)).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(Iterations, opened + rejected);
        Assert.True(rejected > Iterations / 3, $"only {rejected} of {Iterations} corruptions were rejected");
    }

    private static (int Opened, int Rejected) Fuzz(byte[] original, int headerLength)
    {
        var random = new Random(20261202);
        using var dir = new TempDirectory();
        string path = dir.File("fuzz.gguf");
        return FuzzLoop.Run(Iterations, path, _ => Corrupt(original, headerLength, random), corrupted =>
        {
            using (IModelCheckpoint checkpoint = GgufCheckpoint.Open(corrupted))
                foreach (WeightId id in WeightId.All(checkpoint.Config.NLayers))
                    checkpoint.ReadFloat32(id);
            ModelTokenizer.Load(corrupted);
        });
    }

    private static byte[] Corrupt(byte[] original, int headerLength, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                // Cut the file somewhere in the header or just after it.
                return bytes[..random.Next(0, headerLength + 64)];
            case 1:
                // Overwrite a few header bytes with anything.
                for (int n = random.Next(1, 4); n > 0; n--) bytes[random.Next(headerLength)] = (byte)random.Next(256);
                return bytes;
            case 2:
                // Flip one bit of a header byte: counts, lengths and types go slightly wrong.
                int at = random.Next(headerLength);
                bytes[at] ^= (byte)(1 << random.Next(8));
                return bytes;
            default:
                // Set a 64-bit word of the header to a large or extreme value (counts, lengths, dimensions, offsets).
                int word = random.Next(Math.Max(1, headerLength - 8));
                ulong value = random.Next(3) switch { 0 => ulong.MaxValue, 1 => 1UL << random.Next(64), _ => (ulong)random.NextInt64() };
                BitConverter.TryWriteBytes(bytes.AsSpan(word), value);
                return bytes;
        }
    }
}
