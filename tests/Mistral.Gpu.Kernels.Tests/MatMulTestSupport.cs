using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// One accelerator per backend, shared by the parity table and the norm / elementwise / matmul test classes. Every use
/// takes the backend's lock, since an accelerator is driven by one thread at a time and xunit runs classes in parallel.
/// </summary>
public static class MatMulBackends
{
    private static readonly Dictionary<string, (Accelerator Accelerator, object Lock)> Created = [];

    /// <summary>Runs <paramref name="body"/> with the backend's accelerator ("cpu-lanes" or any name <see cref="Accelerators.ParseBackend"/> takes), holding its lock.</summary>
    public static void With(string backend, Action<Accelerator> body)
    {
        (Accelerator Accelerator, object Lock) entry;
        lock (Created)
        {
            if (!Created.TryGetValue(backend, out entry))
            {
                // "cpu-lanes": the CPU backend stepping every kernel's lanes, the reference for its group bodies.
                Accelerator accelerator = backend == "cpu-lanes" ? new Mistral.Gpu.Runtime.Cpu.CpuAccelerator(useGroupBodies: false)
                    : Accelerators.Create(Accelerators.ParseBackend(backend));
                entry = (accelerator, new object());
                Created[backend] = entry;
            }
        }
        lock (entry.Lock) body(entry.Accelerator);
    }
}
