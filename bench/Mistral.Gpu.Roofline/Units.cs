using System.Globalization;

namespace Mistral.Gpu.Roofline;

/// <summary>Human-readable numbers with decimal (SI) prefixes for rates and counts and binary ones for sizes, as GPU datasheets do.</summary>
public static class Units
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"22.1 GB/s", "989 TFLOP/s".</summary>
    public static string Rate(double perSecond, string unit) => Count(perSecond) + unit;

    /// <summary>"4.1 G", "950 M", "12 " (ends with the prefix, or a space when none).</summary>
    public static string Count(double value)
    {
        string[] prefixes = ["", "k", "M", "G", "T", "P"];
        int i = 0;
        double v = Math.Abs(value);
        while (v >= 1000 && i < prefixes.Length - 1) { v /= 1000; i++; }
        return (Math.Sign(value) * v).ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "F2", Invariant) + " " + prefixes[i];
    }

    /// <summary>"3.86 GiB", "512.0 MiB".</summary>
    public static string Bytes(double bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        int i = 0;
        double v = bytes;
        while (v >= 1024 && i < names.Length - 1) { v /= 1024; i++; }
        return v.ToString(i == 0 ? "F0" : "F2", Invariant) + " " + names[i];
    }
}
