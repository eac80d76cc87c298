using Xunit.Abstractions;

namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// Counts the cases of one fuzz suite by outcome and reports them in the test output as
/// <c>fuzz cases: N (suite: ...)</c>, the line .ci/run sums over the suites.
/// </summary>
public sealed class FuzzTally(string suite, ITestOutputHelper output)
{
    private readonly SortedDictionary<string, int> outcomes = new(StringComparer.Ordinal);

    public int Cases { get; private set; }

    public void Count(string outcome)
    {
        Cases++;
        outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
    }

    public int Of(string outcome) => outcomes.GetValueOrDefault(outcome);

    /// <summary>Writes the count line and checks the suite ran the cases it was meant to.</summary>
    public void Report(int expected)
    {
        output.WriteLine($"fuzz cases: {Cases} (suite: {suite}; seed {FuzzSeed.Value}; {string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}"))})");
        Assert.Equal(expected, Cases);
    }
}
