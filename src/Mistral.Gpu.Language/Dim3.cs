namespace Mistral.Gpu.Language;

/// <summary>A three-dimensional size or index, as CUDA's <c>dim3</c> and OpenCL's dimension ids.</summary>
/// <param name="X">The fastest-varying dimension.</param>
/// <param name="Y">The second dimension.</param>
/// <param name="Z">The slowest-varying dimension.</param>
public readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    /// <summary>The product X * Y * Z.</summary>
    public long Volume => (long)X * Y * Z;

    /// <summary>A one-dimensional size.</summary>
    public static implicit operator Dim3(int x) => new(x);

    /// <inheritdoc />
    public override string ToString() => Y == 1 && Z == 1 ? X.ToString() : $"({X}, {Y}, {Z})";
}
