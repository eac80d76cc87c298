using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

/// <summary>
/// Host-side helpers shared by the norm, elementwise and matmul facades: argument checks that name
/// the offending argument, 128-bit alignment of views, and the device shape (GPU or CPU-like).
/// </summary>
internal static class LaunchShapes
{
    /// <summary>
    /// True when the device runs groups on CPU cores (<see cref="AcceleratorInfo.IsCpu"/>): there lanes of a group
    /// run as a loop on one core, warp collectives are emulated through barriers, and the GPU-shaped "one warp per
    /// row" kernels waste most of their time on that emulation, so the facades pick kernels with one lane per row.
    /// </summary>
    public static bool IsCpuLike(Accelerator accelerator) => accelerator.Info.IsCpu && !GpuShaped.TryGetValue(accelerator, out _);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Accelerator, object> GpuShaped = new();

    /// <summary>
    /// Makes every facade pick its GPU-shaped kernels on <paramref name="accelerator"/> even where it is CPU-like, so the
    /// forward pass a GPU runs (its kernels, fusions and launch count) can be run and checked on PoCL or ILGPU's CPU
    /// accelerator (tests; slow there, warp collectives being emulated). Only this accelerator is affected.
    /// </summary>
    internal static void UseGpuShapes(Accelerator accelerator) => GpuShaped.AddOrUpdate(accelerator, accelerator);

    /// <summary>True when a view starts on a 16-byte boundary (its element offset is a multiple of four 4-byte elements).</summary>
    public static bool Aligned4<T>(BufferView<T> view) where T : unmanaged => view.Offset % 4 == 0;

    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}.", name);
    }

    public static void NotNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentException($"{name} must not be negative, got {value}.", name);
    }

    /// <summary>Checks that an element count fits the kernels' 32-bit indices.</summary>
    public static void FitsInt(long value, string name)
    {
        if (value > int.MaxValue) throw new ArgumentException($"{name}: {value} elements exceed the kernels' 2^31 index range.", name);
    }

    public static void NotNull(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ObjectDisposedException.ThrowIf(accelerator.IsDisposed, accelerator);
    }

    /// <summary>Checks that <paramref name="view"/> has a buffer and at least <paramref name="elements"/> elements.</summary>
    public static void Holds<T>(BufferView<T> view, long elements, string name) where T : unmanaged
    {
        if (view.Buffer is null) throw new ArgumentNullException(name, $"{name} has no buffer.");
        if (view.Length < elements)
            throw new ArgumentException($"{name} holds {view.Length} elements; the shape needs {elements}.", name);
        if (elements > int.MaxValue)
            throw new ArgumentException($"{name} would need {elements} elements; views beyond 2^31 elements are not supported.", name);
    }

    /// <summary>The first <paramref name="elements"/> elements of <paramref name="view"/>, so kernels see exactly the shape.</summary>
    public static BufferView<T> Take<T>(BufferView<T> view, long elements) where T : unmanaged =>
        new(view.Buffer!, view.Offset, elements);

    /// <summary>Rounds up to a multiple of <paramref name="multiple"/>.</summary>
    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Groups of <paramref name="perGroup"/> items needed to cover <paramref name="items"/>.</summary>
    public static int Groups(long items, int perGroup) => checked((int)((items + perGroup - 1) / perGroup));
}
