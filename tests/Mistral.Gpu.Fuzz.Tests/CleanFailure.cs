namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// The contract every corrupted file is held to: the reader either accepts it, or throws one of the
/// bad-input exceptions (InvalidDataException for a malformed file, IOException / FileNotFoundException
/// for a path that is not a readable file) with a one-line message naming the file. Anything else (an
/// index, null, overflow or out-of-memory error), or a read that runs past the bound, fails the case with
/// its number and the seed, so it reproduces.
/// </summary>
public static class CleanFailure
{
    public const string Accepted = "accepted";
    public const string Refused = "refused";

    private static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="read"/>; returns <see cref="Accepted"/> or <see cref="Refused"/>.</summary>
    public static string Check(int caseNumber, string path, Action read)
    {
        var run = Task.Run(() =>
        {
            try
            {
                read();
                return (Accepted, (string?)null);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                if (!e.Message.Contains(path, StringComparison.Ordinal))
                    return (Refused, $"the message does not name {path}: {e.Message}");
                return e.Message.Contains('\n') ? (Refused, $"the message is not one line: {e.Message}") : (Refused, null);
            }
            catch (Exception e)
            {
                return (Refused, $"{e.GetType().Name} instead of a clean error naming {path}: {e}");
            }
        });
        Assert.True(run.Wait(DefaultBound), $"case {caseNumber} (seed {FuzzSeed.Value}): reading {path} ran past {DefaultBound}");
        var (outcome, problem) = run.Result;
        Assert.True(problem is null, $"case {caseNumber} (seed {FuzzSeed.Value}): {problem}");
        return outcome;
    }
}
