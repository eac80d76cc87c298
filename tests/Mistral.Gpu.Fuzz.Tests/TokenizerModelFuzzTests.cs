using Mistral.Gpu.Model.Tokenization;
using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Corrupts the shipped tokenizer.model thousands of ways (fixed seed): loading, encoding and decoding
/// must either work or fail with the tokenizer's public error contract (a clean error naming the file,
/// <see cref="CleanFailure"/>), never an index/null/overflow error or a hang. Only that contract is
/// asserted, not how the protobuf is parsed, so the suite holds for any implementation behind the type.
/// </summary>
public sealed class TokenizerModelFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 2000;

    [Fact]
    public void Corrupted_models_are_loaded_or_refused_cleanly()
    {
        byte[] original = File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "tokenizer.model"));
        var random = FuzzSeed.For(2);
        var tally = new FuzzTally("tokenizer.model bytes", output);
        using var dir = new TempDirectory();
        string path = dir.File("tokenizer.model");
        for (int i = 0; i < Cases; i++)
        {
            File.WriteAllBytes(path, Corrupt(original, random));
            tally.Count(CleanFailure.Check(i, path, () =>
            {
                SentencePieceTokenizer tokenizer = SentencePieceTokenizer.Load(path);
                int[] ids = tokenizer.Encode("Once upon a time, café 😀  x", addBos: tokenizer.BosId >= 0);
                tokenizer.Decode(ids);
                tokenizer.Decode(Enumerable.Range(0, tokenizer.VocabSize).ToArray());
            }));
        }
        tally.Report(Cases);
        Assert.True(tally.Of(CleanFailure.Refused) > Cases / 4, $"only {tally.Of(CleanFailure.Refused)} of {Cases} corruptions were refused");
    }

    private static byte[] Corrupt(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                // Overwrite bytes with values that look like keys or lengths.
                for (int n = random.Next(1, 4); n > 0; n--)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 2:
                // Damage the trainer/normalizer specs at the end of the file.
                for (int n = random.Next(1, 4); n > 0; n--)
                    bytes[bytes.Length - 1 - random.Next(Math.Min(bytes.Length, 120))] = (byte)random.Next(256);
                return bytes;
            default:
                // Flip single bits: the smallest possible damage.
                for (int n = random.Next(1, 3); n > 0; n--)
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
        }
    }
}
