using System.Reflection;
using System.Text;
using Mistral.Gpu.Language.Cpu;

namespace Mistral.Gpu.Runtime;

/// <summary>Runs one group of a kernel on the CPU backend (emitted by the generator).</summary>
/// <param name="group">The group to run; its lanes are stepped by the generated code.</param>
/// <param name="arguments">The launch arguments, in parameter order.</param>
public delegate void CpuKernelEntry(CpuGroup group, ReadOnlySpan<KernelArgument> arguments);

/// <summary>Checks argument relations (buffer extents) on the host before a launch (emitted by the generator).</summary>
/// <param name="arguments">The launch arguments, in parameter order.</param>
public delegate void KernelArgumentValidator(ReadOnlySpan<KernelArgument> arguments);

/// <summary>
/// Everything a backend needs to run one kernel: its device sources in both dialects, its
/// parameters, what it uses, and its CPU entry. The generator emits one per <c>[Kernel]</c>.
/// </summary>
/// <remarks>
/// Device ABI, identical in both dialects: the C function is named <see cref="EntryPoint"/>; each
/// buffer parameter is passed as three arguments (pointer, int element offset, int element length),
/// each scalar as its value; specializations are not passed but prepended as <c>#define MGPU_SPEC_name value</c>.
/// </remarks>
public sealed class KernelDefinition
{
    /// <summary>Creates a definition (called by generated code).</summary>
    public KernelDefinition(
        string name,
        string entryPoint,
        IReadOnlyList<KernelParameter> parameters,
        string cudaSource,
        string openCLSource,
        KernelFeatures features,
        CpuKernelEntry cpu,
        KernelArgumentValidator? validator = null,
        MethodInfo? ilgpuKernel = null)
    {
        Name = name;
        EntryPoint = entryPoint;
        Parameters = parameters;
        SpecializationCount = parameters.Count(p => p.Kind == KernelParameterKind.Specialization);
        CudaSource = cudaSource;
        OpenCLSource = openCLSource;
        Features = features;
        Cpu = cpu;
        Validator = validator;
        IlgpuKernel = ilgpuKernel;
    }

    /// <summary>The kernel's C# name, <c>Class.Method</c>.</summary>
    public string Name { get; }

    /// <summary>The C function name in both sources.</summary>
    public string EntryPoint { get; }

    /// <summary>Parameters after the context, in order.</summary>
    public IReadOnlyList<KernelParameter> Parameters { get; }

    /// <summary>Complete CUDA C source (prelude included), without specialization defines.</summary>
    public string CudaSource { get; }

    /// <summary>Complete OpenCL C source (prelude included), without specialization defines.</summary>
    public string OpenCLSource { get; }

    /// <summary>What the kernel uses.</summary>
    public KernelFeatures Features { get; }

    /// <summary>The CPU entry.</summary>
    public CpuKernelEntry Cpu { get; }

    /// <summary>Host-side extent checks, if any.</summary>
    public KernelArgumentValidator? Validator { get; }

    /// <summary>
    /// The C# kernel method as ILGPU loads it (<c>Accelerator.LoadKernel(method)</c>), when it is written in ILGPU's kernel API
    /// (<c>ArrayView&lt;T&gt;</c>, <c>Grid</c>/<c>Group</c>/<c>Warp</c>); null for a kernel that still takes a <c>KernelContext</c>,
    /// which only the CUDA, OpenCL and CPU backends run.
    /// </summary>
    public MethodInfo? IlgpuKernel { get; }

    /// <summary>The specialization parameters, in order.</summary>
    public IEnumerable<KernelParameter> Specializations =>
        Parameters.Where(p => p.Kind == KernelParameterKind.Specialization);

    /// <summary>The source for <paramref name="dialect"/> with the specialization values defined.</summary>
    public string SourceFor(KernelDialect dialect, IReadOnlyList<int> specializationValues)
    {
        var specs = Specializations.ToList();
        if (specs.Count != specializationValues.Count)
            throw new ArgumentException($"Kernel {Name} has {specs.Count} specializations, {specializationValues.Count} values given.", nameof(specializationValues));
        var text = new StringBuilder();
        for (int i = 0; i < specs.Count; i++) text.Append("#define ").Append(SpecializationMacro(specs[i].Name)).Append(' ').Append(specializationValues[i]).Append('\n');
        text.Append(dialect == KernelDialect.Cuda ? CudaSource : OpenCLSource);
        return text.ToString();
    }

    /// <summary>The C macro a specialization parameter is compiled as (the generator writes the kernel body against it).</summary>
    public static string SpecializationMacro(string parameterName) => "MGPU_SPEC_" + parameterName;

    /// <summary>Every combination of supported specialization values (one empty list when there are none).</summary>
    public IEnumerable<IReadOnlyList<int>> AllVariants()
    {
        IEnumerable<IReadOnlyList<int>> combos = [Array.Empty<int>()];
        foreach (var spec in Specializations)
        {
            var values = spec.SupportedValues ?? [];
            combos = combos.SelectMany(c => values.Select(v => (IReadOnlyList<int>)[.. c, v])).ToList();
        }
        return combos;
    }

    /// <summary>"Class.Method [HEAD_DIM=128, TILE=64]" for a specialized variant, the plain name otherwise: how logs and reports name a variant.</summary>
    public string VariantLabel(IReadOnlyList<int> specializationValues)
    {
        if (specializationValues.Count == 0) return Name;
        var pairs = Specializations.Zip(specializationValues, (spec, value) => $"{spec.Name}={value}");
        return $"{Name} [{string.Join(", ", pairs)}]";
    }

    /// <summary>How many specialization parameters the kernel has.</summary>
    public int SpecializationCount { get; }

    /// <summary>Writes the specialization values among <paramref name="arguments"/> into <paramref name="values"/>
    /// (<see cref="SpecializationCount"/> long), so a launch finds its variant without allocating.</summary>
    public void SpecializationValues(ReadOnlySpan<KernelArgument> arguments, Span<int> values)
    {
        int next = 0;
        for (int i = 0; i < Parameters.Count; i++)
            if (Parameters[i].Kind == KernelParameterKind.Specialization) values[next++] = arguments[i].AsInt32();
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
