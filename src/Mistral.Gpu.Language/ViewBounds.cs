using System.Diagnostics.CodeAnalysis;

namespace Mistral.Gpu.Language;

internal static class ViewBounds
{
    [DoesNotReturn]
    public static void Throw(long index, int length) =>
        throw new IndexOutOfRangeException($"Kernel accessed element {index} of a view holding {length} elements.");
}
