using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Mistral.Gpu.Generator.Diagnostics;

/// <summary>
/// Every error the kernel translator reports. One id per reason; each message says what to write
/// instead. Ids are stable and tracked in AnalyzerReleases.*.md; the table lives in README.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Mistral.Gpu.Kernels";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelNotStaticVoid = Error("MGPU001",
        "A kernel must be a static void method",
        "Kernel '{0}' must be declared 'static void'; make it a static method returning void and write results through View<T> parameters");

    public static readonly DiagnosticDescriptor KernelClassNotStaticPartial = Error("MGPU002",
        "A kernel must live in a static partial class",
        "Kernel '{0}' is declared in '{1}', which is not a 'static partial class'; declare every containing type as 'static partial class' so the launcher can be nested in it");

    public static readonly DiagnosticDescriptor NotIlgpuKernel = Error("MGPU003",
        "A kernel or helper is not written in ILGPU's kernel API",
        "'{0}' takes '{1}', the CPU backend's own type: write kernels and their helpers in ILGPU's kernel API (ArrayView<T> parameters, indices from Grid/Group/Warp); KernelContext, View<T> and ReadOnlyView<T> are for [CpuGroupBody] methods");

    public static readonly DiagnosticDescriptor UnsupportedType = Error("MGPU004",
        "Unsupported type in a kernel",
        "Type '{0}' cannot be used here ({1}); use View<T>/ReadOnlyView<T> of int, uint, long, float, double, Half or BFloat16, or scalars int, uint, long, float, double");

    public static readonly DiagnosticDescriptor ReferenceType = Error("MGPU005",
        "Reference types cannot be used in a kernel",
        "'{0}' is a reference type (class, array, object, delegate or null); device code has only value types: use View<T> parameters, Shared.Allocate<T> or scalars instead");

    public static readonly DiagnosticDescriptor NewReferenceType = Error("MGPU006",
        "Kernels cannot allocate objects or arrays",
        "'new {0}' allocates on the managed heap; use Shared.Allocate<T>(constant) for group memory, a View<T> parameter for global memory, or locals for per-lane values");

    public static readonly DiagnosticDescriptor Linq = Error("MGPU007",
        "LINQ is not available in kernels",
        "LINQ ({0}) cannot run on a device; write the loop explicitly");

    public static readonly DiagnosticDescriptor Lambda = Error("MGPU008",
        "Lambdas, anonymous methods and local functions are not available in kernels",
        "{0} cannot be translated; move the code into a static method marked [KernelHelper]");

    public static readonly DiagnosticDescriptor Exceptions = Error("MGPU009",
        "Exceptions are not available in kernels",
        "'{0}' cannot be translated: devices have no exceptions; guard with an if and return, and let the launcher's [Extent] checks reject bad input on the host");

    public static readonly DiagnosticDescriptor Recursion = Error("MGPU010",
        "Recursion is not available in kernels",
        "'{0}' calls itself (directly or through other helpers); devices have no call stack to recurse on, rewrite it as a loop");

    public static readonly DiagnosticDescriptor Strings = Error("MGPU011",
        "Strings are not available in kernels",
        "Strings ({0}) cannot be used in device code; remove the text, or compute a number instead");

    public static readonly DiagnosticDescriptor UnsupportedCall = Error("MGPU012",
        "Only kernel intrinsics and [KernelHelper] methods can be called",
        "'{0}' is not available on the device; call KMath, Atomic, Warp, Group, Shared or VectorMemory members, or mark your own static method [KernelHelper]");

    public static readonly DiagnosticDescriptor DivergentBarrier = Error("MGPU013",
        "Barrier or warp collective under a lane-dependent condition",
        "'{0}' is inside a branch or loop whose condition depends on the lane ('{1}'), so some lanes would wait forever; move it out of the branch and make the condition uniform (compute per-lane work inside, synchronise outside)");

    public static readonly DiagnosticDescriptor DivergentExit = Error("MGPU014",
        "Lane-dependent exit in a kernel with barriers",
        "'{0}' under the lane-dependent condition '{1}' makes some lanes skip a later barrier or warp collective; guard the work with an if instead of leaving early");

    public static readonly DiagnosticDescriptor NonConstantSharedLength = Error("MGPU015",
        "Shared memory length must be a compile-time constant",
        "The length '{0}' of Shared.Allocate is not a compile-time constant; use literals, const values and [Specialize] parameters only");

    public static readonly DiagnosticDescriptor SyncInHelper = Error("MGPU016",
        "Helpers cannot synchronise or allocate shared memory",
        "'{0}' is not allowed in [KernelHelper] '{1}'; barriers, warp collectives and Shared.Allocate must appear in the kernel body itself");

    public static readonly DiagnosticDescriptor WarpNotStatement = Error("MGPU017",
        "A warp collective must be a whole statement",
        "'{0}' must be the whole right-hand side of a statement; write 'var t = Warp.{1}(...);' (or 't = ...;', 't += ...;') and use t");

    public static readonly DiagnosticDescriptor InvalidSpecialize = Error("MGPU018",
        "Invalid [Specialize] parameter",
        "[Specialize] on '{0}' {1}; apply it to an int parameter and list its values: [Specialize(16, 32, 64)]");

    public static readonly DiagnosticDescriptor InvalidExtent = Error("MGPU019",
        "Invalid [Extent] expression",
        "[Extent(\"{0}\")] on '{1}' {2}; write an integer expression over the kernel's int/uint/long scalar and [Specialize] parameters, e.g. \"rows * cols\"");

    public static readonly DiagnosticDescriptor HalfArithmetic = Error("MGPU020",
        "Half and BFloat16 values must be converted before arithmetic",
        "'{0}' computes on a {1} value; convert it first with (float)x and convert back with ({1})result");

    public static readonly DiagnosticDescriptor UnsupportedSyntax = Error("MGPU021",
        "Unsupported C# construct in a kernel",
        "{0} cannot be translated to device code; {1}");

    public static readonly DiagnosticDescriptor SharedAllocationPlacement = Error("MGPU022",
        "Shared.Allocate must be a local declaration in the kernel's outermost block",
        "Shared.Allocate must initialise a local declared in the kernel's outermost block ('var tile = Shared.Allocate<float>(256);'), not inside a branch, loop or other expression");

    public static readonly DiagnosticDescriptor ViewAlias = Error("MGPU023",
        "Views cannot be copied",
        "'{0}' copies a view; index the parameter (or the Shared.Allocate local) directly, adding an offset to the index");

    public static readonly DiagnosticDescriptor InvalidCpuGroupBody = Error("MGPU024",
        "Invalid [CpuGroupBody] target",
        "[CpuGroupBody] of kernel '{0}' names '{1}', which {2}; declare 'static bool {3}(CpuGroup group, ...)' taking the kernel's parameters after the context, in order and with the same types");

    private static readonly Dictionary<string, DiagnosticDescriptor> byId = typeof(DiagnosticDescriptors)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null))
        .ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => byId[id];
}
