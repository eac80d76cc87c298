using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// <c>KMath.Dp4a</c> (signed x signed) and <c>KMath.Dot4</c> (unsigned x signed) through <see cref="ByteDotProbe"/>, bit for bit
/// against the byte products written out here, on every backend: PTX <c>dp4a</c>, the translator's inline <c>dp4a</c>, OpenCL C's
/// byte products and the C# bodies must all agree, the edge bytes -128 and 127 included.
/// </summary>
internal static class ByteDotParity
{
    /// <summary>The family's name in the table.</summary>
    public const string Family = "byte-dot";

    public static IEnumerable<ParityCase> Cases()
    {
        yield return new(Family, "edges", "every pair of words from the bytes -128, -127, -1, 0, 1, 127 (and mixed), c in ±2^30",
            "exact", "integer arithmetic: every backend must return the byte products' sum bit for bit (c keeps the sum from wrapping, where C leaves signed overflow undefined)",
            CheckByteDotEdges);
        yield return new(Family, "random 4099", "4099 random words and c", "exact", "integer arithmetic, as the edges",
            (a, check) => CheckByteDot(a, check, RandomWords(4099, 61), RandomWords(4099, 62), [.. RandomWords(4099, 63).Select(v => v >> 2)]));
    }

    private static int[] RandomWords(int count, int seed)
    {
        var random = new Random(seed);
        var words = new int[count];
        for (int i = 0; i < count; i++) words[i] = random.Next(int.MinValue, int.MaxValue);
        return words;
    }

    private static void CheckByteDotEdges(Accelerator accelerator, ParityCheck check)
    {
        sbyte[] edges = [-128, -127, -1, 0, 1, 127];
        var words = new List<int>();
        foreach (var e in edges) words.Add(Word(e, e, e, e));
        words.Add(Word(-128, 127, -1, 1));
        words.Add(Word(127, -128, 0, -127));
        words.Add(Word(15, 0, 8, 1));
        var a = new List<int>();
        var b = new List<int>();
        var c = new List<int>();
        int[] offsets = [0, 1, -1, 1 << 30, -(1 << 30)];
        foreach (int x in words)
            foreach (int y in words)
            {
                a.Add(x);
                b.Add(y);
                c.Add(offsets[c.Count % offsets.Length]);
            }
        CheckByteDot(accelerator, check, [.. a], [.. b], [.. c]);
    }

    private static int Word(sbyte b0, sbyte b1, sbyte b2, sbyte b3) => (byte)b0 | ((byte)b1 << 8) | ((byte)b2 << 16) | ((byte)b3 << 24);

    private static void CheckByteDot(Accelerator accelerator, ParityCheck check, int[] a, int[] b, int[] c)
    {
        int count = a.Length;
        var signed = new int[count];
        var mixed = new int[count];
        for (int i = 0; i < count; i++)
        {
            long s = c[i], m = c[i];
            for (int j = 0; j < 4; j++)
            {
                int shift = 8 * j;
                s += (long)(sbyte)(a[i] >> shift) * (sbyte)(b[i] >> shift);
                m += (long)(byte)(a[i] >> shift) * (sbyte)(b[i] >> shift);
            }
            signed[i] = (int)s;
            mixed[i] = (int)m;
        }
        using var da = accelerator.Upload<int>(a);
        using var db = accelerator.Upload<int>(b);
        using var dc = accelerator.Upload<int>(c);
        using var ds = accelerator.Allocate<int>(count);
        using var dm = accelerator.Allocate<int>(count);
        ByteDotProbe.DotKernel.Launch(accelerator, LaunchDims.ForElements(count, ByteDotProbe.Lanes), da, db, dc, ds, dm, count);
        accelerator.Synchronize();
        check.Exact<int>(signed, ds.ToArray(), v => v, "Dp4a (signed x signed)");
        check.Exact<int>(mixed, dm.ToArray(), v => v, "Dot4 (unsigned x signed)");
    }
}
