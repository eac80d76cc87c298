namespace Mistral.Gpu.Model.Sampling;

/// <summary>
/// xorshift64* seeded through splitmix64. Owned here rather than using System.Random so that a seed
/// gives the same tokens on every .NET version and platform (Random's algorithm is not a contract).
/// </summary>
public sealed class XorShiftRandom
{
    private ulong _state;

    /// <summary>Creates a generator; any seed (including 0) gives a valid non-zero state.</summary>
    /// <param name="seed">The seed.</param>
    public XorShiftRandom(long seed)
    {
        // splitmix64 spreads nearby seeds apart and never yields the all-zero state xorshift forbids.
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        _state = z == 0 ? 0x9E3779B97F4A7C15UL : z;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return unchecked(_state * 0x2545F4914F6CDD1DUL);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
