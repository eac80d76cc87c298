namespace Mistral.Gpu.Runtime.Cuda;

/// <summary>
/// What NVRTC compiles for: a real architecture's CUBIN (<c>sm_90</c>: machine code the driver
/// loads as is, whatever PTX ISA it understands) or a virtual architecture's PTX (<c>compute_90</c>:
/// JIT-compiled by the driver, which must be at least as new as the NVRTC).
/// </summary>
/// <param name="Architecture">The compute capability as one number: 90 for 9.0.</param>
/// <param name="Cubin">True for machine code, false for PTX.</param>
internal readonly record struct NvrtcTarget(int Architecture, bool Cubin)
{
    /// <summary>The value of NVRTC's <c>--gpu-architecture</c>: <c>sm_90</c> or <c>compute_90</c>.</summary>
    public string Option => (Cubin ? "sm_" : "compute_") + Architecture;

    /// <inheritdoc />
    public override string ToString() => Option;

    /// <summary>
    /// CUBIN for the device's own architecture when NVRTC knows it (<paramref name="supported"/>;
    /// empty means NVRTC cannot list them, so the device's is trusted); otherwise PTX for the newest
    /// architecture NVRTC knows below the device's, which the driver JIT-compiles for the newer GPU.
    /// </summary>
    public static NvrtcTarget For(int major, int minor, IReadOnlyCollection<int> supported)
    {
        int wanted = major * 10 + minor;
        if (supported.Count == 0 || supported.Contains(wanted)) return new NvrtcTarget(wanted, Cubin: true);
        int chosen = supported.Where(a => a <= wanted).DefaultIfEmpty(supported.Min()).Max();
        return new NvrtcTarget(chosen, Cubin: false);
    }
}
