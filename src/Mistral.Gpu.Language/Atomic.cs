namespace Mistral.Gpu.Language;

/// <summary>
/// Atomic read-modify-write on global or shared memory; each returns the value before the update.
/// Pass the element by reference: <c>Atomic.Add(ref counts[i], 1)</c>.
/// </summary>
public static class Atomic
{
    /// <summary>Adds <paramref name="value"/>.</summary>
    public static int Add(ref int target, int value) => Interlocked.Add(ref target, value) - value;

    /// <summary>Adds <paramref name="value"/>.</summary>
    public static uint Add(ref uint target, uint value) => unchecked(Interlocked.Add(ref target, value) - value);

    /// <summary>Adds <paramref name="value"/> (a compare-and-swap loop where the device lacks float atomics).</summary>
    public static float Add(ref float target, float value)
    {
        float seen = Volatile.Read(ref target);
        while (true)
        {
            float old = Interlocked.CompareExchange(ref target, seen + value, seen);
            if (BitConverter.SingleToInt32Bits(old) == BitConverter.SingleToInt32Bits(seen)) return old;
            seen = old;
        }
    }

    /// <summary>Stores the maximum of the target and <paramref name="value"/>.</summary>
    public static int Max(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (seen < value)
        {
            int old = Interlocked.CompareExchange(ref target, value, seen);
            if (old == seen) return old;
            seen = old;
        }
        return seen;
    }

    /// <summary>Stores the maximum of the target and <paramref name="value"/>.</summary>
    public static uint Max(ref uint target, uint value)
    {
        uint seen = Volatile.Read(ref target);
        while (seen < value)
        {
            uint old = Interlocked.CompareExchange(ref target, value, seen);
            if (old == seen) return old;
            seen = old;
        }
        return seen;
    }

    /// <summary>Stores the maximum of the target and <paramref name="value"/> (NaN is never stored).</summary>
    public static float Max(ref float target, float value)
    {
        float seen = Volatile.Read(ref target);
        while (seen < value)
        {
            float old = Interlocked.CompareExchange(ref target, value, seen);
            if (BitConverter.SingleToInt32Bits(old) == BitConverter.SingleToInt32Bits(seen)) return old;
            seen = old;
        }
        return seen;
    }

    /// <summary>Stores the minimum of the target and <paramref name="value"/>.</summary>
    public static int Min(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (seen > value)
        {
            int old = Interlocked.CompareExchange(ref target, value, seen);
            if (old == seen) return old;
            seen = old;
        }
        return seen;
    }

    /// <summary>Replaces the target with <paramref name="value"/>.</summary>
    public static int Exchange(ref int target, int value) => Interlocked.Exchange(ref target, value);

    /// <summary>Stores <paramref name="value"/> if the target equals <paramref name="comparand"/> (argument order as <see cref="Interlocked"/>).</summary>
    public static int CompareExchange(ref int target, int value, int comparand) =>
        Interlocked.CompareExchange(ref target, value, comparand);

    /// <summary>Stores <paramref name="value"/> if the target equals <paramref name="comparand"/> (argument order as <see cref="Interlocked"/>).</summary>
    public static uint CompareExchange(ref uint target, uint value, uint comparand) =>
        Interlocked.CompareExchange(ref target, value, comparand);
}
