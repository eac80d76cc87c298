namespace Mistral.Gpu.Kernels.Parity;

/// <summary>
/// The comparisons one parity case makes, folded into one verdict. Every element is held to its own bound
/// (|actual - expected| &lt;= bound); the check keeps the element closest to (or furthest past) its bound, so the
/// report shows the error that mattered, and the first failure in words.
/// </summary>
public sealed class ParityCheck
{
    private double worstRatio = -1;

    /// <summary>|actual - expected| at the element nearest its bound (positive infinity for a non-finite result).</summary>
    public double MaxError { get; private set; }

    /// <summary>The bound of that element (0 for an exact comparison).</summary>
    public double Bound { get; private set; }

    /// <summary>The first failure, naming what was compared and the element; null while everything passed.</summary>
    public string? Failure { get; private set; }

    /// <summary>True while no comparison has failed.</summary>
    public bool Passed => Failure is null;

    /// <summary>Each element within <paramref name="absolute"/> + <paramref name="relative"/>·|expected|, and finite.</summary>
    public void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        if (!SameLength(expected.Length, actual.Length, what)) return;
        for (int i = 0; i < expected.Length; i++)
            Element(expected[i], actual[i], absolute + relative * Math.Abs(expected[i]), i, what);
    }

    /// <summary>Each element within its own bound, and finite.</summary>
    public void Within(ReadOnlySpan<double> expected, ReadOnlySpan<double> bounds, ReadOnlySpan<float> actual, string what)
    {
        if (!SameLength(expected.Length, actual.Length, what) || !SameLength(expected.Length, bounds.Length, what + " (bounds)")) return;
        for (int i = 0; i < expected.Length; i++) Element(expected[i], actual[i], bounds[i], i, what);
    }

    /// <summary>Bit for bit (by <see cref="IEquatable{T}"/>, so NaN matches NaN); <paramref name="value"/> gives the error of a mismatch.</summary>
    public void Exact<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, Func<T, double> value, string what) where T : IEquatable<T>
    {
        if (!SameLength(expected.Length, actual.Length, what)) return;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i].Equals(actual[i])) Record(0, 0, 0);
            else Fail(Math.Abs(value(actual[i]) - value(expected[i])), 0, $"{what}: element {i} is {actual[i]}, expected exactly {expected[i]}");
        }
    }

    /// <summary><see cref="Exact{T}"/> for fp32 values.</summary>
    public void Exact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what) => Exact(expected, actual, v => v, what);

    /// <summary>One value, exactly.</summary>
    public void Equal(long expected, long actual, string what) => Exact([expected], [actual], v => v, what);

    /// <summary>Records a failure that is not an element's error (an exception, a wrong shape).</summary>
    public void Fail(string message) => Fail(double.PositiveInfinity, 0, message);

    private void Element(double expected, float actual, double bound, int index, string what)
    {
        double error = float.IsFinite(actual) ? Math.Abs(actual - expected) : double.PositiveInfinity;
        if (error <= bound) Record(error, bound, bound > 0 ? error / bound : 0);
        else Fail(error, bound, $"{what}: element {index} is {actual:R}, expected {expected:R} (error {error:E3} > bound {bound:E3})");
    }

    private bool SameLength(int expected, int actual, string what)
    {
        if (expected == actual) return true;
        Fail($"{what}: {actual} values, {expected} expected");
        return false;
    }

    private void Fail(double error, double bound, string message)
    {
        Failure ??= message;
        Record(error, bound, double.PositiveInfinity);
    }

    private void Record(double error, double bound, double ratio)
    {
        if (ratio <= worstRatio) return;
        worstRatio = ratio;
        MaxError = error;
        Bound = bound;
    }
}
