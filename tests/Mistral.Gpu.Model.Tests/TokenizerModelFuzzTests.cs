using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Corrupts the shipped tokenizer.model thousands of ways (fixed seed): loading, encoding and
/// decoding must either work or fail with InvalidDataException, never an index/null/overflow error
/// or a hang.
/// </summary>
public class TokenizerModelFuzzTests
{
    private const int Iterations = 2000;

    [Fact]
    public async Task Corrupted_models_fail_cleanly()
    {
        byte[] original = File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "tokenizer.model"));
        // A TimeoutException here means some corrupted model made the parser or encoder hang.
        (int loaded, int rejected) = await Task.Run(() => Fuzz(original)).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(Iterations, loaded + rejected);
        Assert.True(rejected > Iterations / 4, $"only {rejected} of {Iterations} corruptions were rejected");
    }

    private static (int Loaded, int Rejected) Fuzz(byte[] original)
    {
        var random = new Random(1234567);
        using var dir = new TempDirectory();
        string path = dir.File("tokenizer.model");
        int loaded = 0, rejected = 0;
        for (int i = 0; i < Iterations; i++)
        {
            File.WriteAllBytes(path, Corrupt(original, random));
            try
            {
                SentencePieceTokenizer tokenizer = SentencePieceTokenizer.Load(path);
                int[] ids = tokenizer.Encode("Once upon a time, café 😀  x", addBos: tokenizer.BosId >= 0);
                tokenizer.Decode(ids);
                tokenizer.Decode(Enumerable.Range(0, tokenizer.VocabSize).ToArray());
                loaded++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name} instead of InvalidDataException: {e}");
            }
        }
        return (loaded, rejected);
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
