namespace Mistral.Gpu.Roofline;

/// <summary>
/// The compulsory work of one kernel launch: bytes it must read and write at least once, and the
/// floating-point operations it must do. A roofline compares a measured time with these, so they
/// count what the math requires, not what one implementation happens to move (a GEMM re-reading a
/// weight tile from L2 still counts the weight once).
/// </summary>
/// <param name="Kernel">The kernel's name, as in <c>MistralKernels</c>.</param>
/// <param name="Shape">The shape, written the way a reader would ("tokens=1 n=4096 k=4096 int4/32").</param>
/// <param name="BytesRead">Bytes read from device memory.</param>
/// <param name="BytesWritten">Bytes written to device memory.</param>
/// <param name="Flops">Floating-point operations (a fused multiply-add counts as two).</param>
public sealed record KernelCost(string Kernel, string Shape, long BytesRead, long BytesWritten, double Flops)
{
    /// <summary>Bytes read plus bytes written.</summary>
    public long BytesMoved => BytesRead + BytesWritten;

    /// <summary>FLOPs per byte moved: where the kernel sits on the roofline's x axis (0 when nothing moves).</summary>
    public double ArithmeticIntensity => BytesMoved == 0 ? 0 : Flops / BytesMoved;

    /// <summary>This cost repeated <paramref name="times"/> (a kernel launched once per layer).</summary>
    public KernelCost Times(int times) => this with
    {
        BytesRead = BytesRead * times,
        BytesWritten = BytesWritten * times,
        Flops = Flops * times,
    };
}
