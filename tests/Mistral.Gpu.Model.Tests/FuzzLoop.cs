namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// The loop the reader fuzz tests share: write each corrupted file, open and read it, and require success or an
/// <see cref="InvalidDataException"/> whose message names the file, never any other exception.
/// </summary>
public static class FuzzLoop
{
    public static (int Opened, int Rejected) Run(int iterations, string path, Func<int, byte[]> corrupt, Action<string> openAndRead)
    {
        int opened = 0, rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(path, corrupt(i));
            try
            {
                openAndRead(path);
                opened++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith(path + ":", e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name} instead of InvalidDataException: {e}");
            }
        }
        return (opened, rejected);
    }
}
