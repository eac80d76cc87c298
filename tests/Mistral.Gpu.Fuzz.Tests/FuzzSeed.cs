namespace Mistral.Gpu.Fuzz.Tests;

/// <summary>
/// The seed every fuzz suite derives its generator from: fixed, so CI runs the same cases each time and a
/// failure reproduces; <c>MGPU_FUZZ_SEED=N</c> explores other cases locally.
/// </summary>
public static class FuzzSeed
{
    public const string Variable = "MGPU_FUZZ_SEED";

    public const int Default = 20261202;

    public static int Value => int.TryParse(Environment.GetEnvironmentVariable(Variable), out int seed) ? seed : Default;

    /// <summary>A generator for one suite: the seed mixed with the suite's own number, so suites do not share streams.</summary>
    /// <remarks>Not HashCode.Combine: its seed changes with every process, and the cases must not.</remarks>
    public static Random For(int suite) => new(unchecked(Value * 1_000_003 + suite) & int.MaxValue);
}
