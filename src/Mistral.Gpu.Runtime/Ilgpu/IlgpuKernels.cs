using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using ILGPU;
using ILGPU.Runtime;

namespace Mistral.Gpu.Runtime.Ilgpu;

/// <summary>
/// Loads our kernels on an ILGPU accelerator (one typed ILGPU launcher per definition; ILGPU itself compiles a variant
/// per <see cref="SpecializedValue{T}"/> value on its first launch) and turns our launch arguments into ILGPU's:
/// each buffer window an <see cref="ArrayView{T}"/> of the kernel parameter's element type, each specialization a
/// <see cref="SpecializedValue{T}"/>.
/// </summary>
internal sealed class IlgpuKernels(ILGPU.Runtime.Accelerator device, BackendKind backend)
{
    private static readonly ConcurrentDictionary<Type, Func<ArrayView<byte>, long, long, object>> ViewFactories = new();
    private static readonly MethodInfo LoadTyped = typeof(ILGPU.Runtime.Accelerator).GetMethods()
        .Single(m => m.Name == nameof(ILGPU.Runtime.Accelerator.LoadKernel) && m.IsGenericMethodDefinition
            && m.GetGenericArguments().Length == 1 && m.GetParameters() is [{ ParameterType: var only }] && only == typeof(MethodInfo));
    private readonly ConcurrentDictionary<KernelDefinition, Loaded> loaded = new(ReferenceEqualityComparer.Instance);

    /// <summary>A kernel's launcher and its parameter types, read once: a launch must not reflect over the method again.</summary>
    private sealed record Loaded(Delegate Launcher, Type[] ParameterTypes);

    /// <summary>
    /// The kernel's launcher (<c>(AcceleratorStream, KernelConfig, parameters...)</c>), loaded on first use. A typed launcher,
    /// not ILGPU's untyped <see cref="Kernel"/>: only the typed loaders specialize <see cref="SpecializedValue{T}"/>
    /// parameters (the untyped one compiles them as runtime values, which group memory cannot be sized by); the delegate
    /// type is made per kernel, since ILGPU's own generic loaders stop at 15 parameters and ours take up to 17.
    /// </summary>
    /// <exception cref="NotSupportedException">The kernel is not written in ILGPU's kernel API yet.</exception>
    /// <exception cref="KernelCompilationException">ILGPU could not compile it; its message is the log.</exception>
    public Delegate Get(KernelDefinition kernel) => Entry(kernel).Launcher;

    private Loaded Entry(KernelDefinition kernel) => loaded.TryGetValue(kernel, out var found) ? found : loaded.GetOrAdd(kernel, Load);

    /// <summary>Launches a validated launch on <paramref name="stream"/>.</summary>
    public void Launch(KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments, ILGPU.Runtime.AcceleratorStream stream)
    {
        var (compiled, parameterTypes) = Entry(kernel);
        var (count, size) = (dims.GroupCount, dims.GroupSize);
        var values = new object[arguments.Length + 2];
        values[0] = stream;
        values[1] = new KernelConfig(new Index3D(count.X, count.Y, count.Z), new Index3D(size.X, size.Y, size.Z));
        for (int i = 0; i < arguments.Length; i++) values[i + 2] = Marshal(kernel, kernel.Parameters[i], parameterTypes[i], arguments[i]);
        try
        {
            compiled.DynamicInvoke(values);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            // ILGPU launches through reflection: the caller should see what the launcher threw, not the wrapper.
            if (Compilation(kernel, inner) is { } failure) throw failure;
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    private Loaded Load(KernelDefinition kernel)
    {
        var method = kernel.IlgpuKernel ?? throw NotPorted(kernel, backend);
        var parameters = method.GetParameters();
        if (parameters.Length != kernel.Parameters.Count)
            throw new KernelCompilationException(kernel.Name, backend, $"The method {method.Name} has {parameters.Length} parameters but the definition lists {kernel.Parameters.Count}.");
        Type[] signature = [typeof(ILGPU.Runtime.AcceleratorStream), typeof(KernelConfig), .. parameters.Select(p => p.ParameterType), typeof(void)];
        var launcher = Expression.GetDelegateType(signature);
        try
        {
            var typed = (Delegate)LoadTyped.MakeGenericMethod(launcher).Invoke(device, [method])!;
            return new Loaded(typed, [.. parameters.Select(p => p.ParameterType)]);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner && Compilation(kernel, inner) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The one error a kernel that still takes KernelContext gives on every ILGPU accelerator.</summary>
    public static NotSupportedException NotPorted(KernelDefinition kernel, BackendKind backend) =>
        new($"Kernel {kernel.Name} is not written in ILGPU's kernel API yet (it takes a KernelContext), so the {backend} backend cannot run it; use cuda, opencl or cpu for it.");

    /// <summary>ILGPU's compiler errors: an unsupported construct or capability, an internal error.</summary>
    public static bool IsCompilerError(Exception e) =>
        e is NotSupportedException or ILGPU.Backends.InvalidCodeGenerationException or InternalCompilerException
            or InvalidKernelOperationException or CapabilityNotSupportedException;

    /// <summary>An ILGPU compiler error as our compilation error, null for anything else.</summary>
    private KernelCompilationException? Compilation(KernelDefinition kernel, Exception e) =>
        IsCompilerError(e) ? new KernelCompilationException(kernel.Name, backend, CompilerMessage(e)) : null;

    /// <summary>
    /// ILGPU's compiler error with its cause first: an InternalCompilerException's own message only says that one
    /// happened and in which methods; the reason (an unsupported intrinsic, a dynamic allocation size) is its inner exception.
    /// </summary>
    internal static string CompilerMessage(Exception e) =>
        e.InnerException is { } cause ? $"{cause.Message} ({e.Message.Split('\n')[0].Trim()})" : e.Message;

    private static object Marshal(KernelDefinition kernel, KernelParameter parameter, Type target, KernelArgument argument)
    {
        switch (parameter.Kind)
        {
            case KernelParameterKind.Buffer or KernelParameterKind.ReadOnlyBuffer:
                if (!target.IsGenericType || target.GetGenericTypeDefinition() != typeof(ArrayView<>))
                    throw new NotSupportedException($"Kernel {kernel.Name}, parameter '{parameter.Name}': ILGPU launches take ArrayView<T> buffers, not {target.Name}.");
                var raw = ((IlgpuMemory)argument.Buffer!.Storage).Raw;
                return ViewFactories.GetOrAdd(target.GetGenericArguments()[0], MakeViewFactory)(raw, argument.Offset, argument.Length);
            case KernelParameterKind.Specialization:
                return SpecializedValue.New(argument.AsInt32());
            default:
                // Boxed per arm: a switch over int, uint, long, float and double would otherwise promote every arm to double.
                return Type.GetTypeCode(target) switch
                {
                    TypeCode.Int32 => (object)argument.AsInt32(),
                    TypeCode.UInt32 => (object)argument.AsUInt32(),
                    TypeCode.Int64 => (object)argument.AsInt64(),
                    TypeCode.Single => (object)argument.AsSingle(),
                    TypeCode.Double => (object)argument.AsDouble(),
                    _ => throw new NotSupportedException($"Kernel {kernel.Name}, parameter '{parameter.Name}': scalars of type {target.Name} cannot be passed to ILGPU."),
                };
        }
    }

    private static Func<ArrayView<byte>, long, long, object> MakeViewFactory(Type element) =>
        typeof(IlgpuKernels).GetMethod(nameof(TypedView), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(element).CreateDelegate<Func<ArrayView<byte>, long, long, object>>();

    // The element type comes from the ILGPU method, so a buffer of a layout-equal type (System.Half for ILGPU.Half) passes as the kernel declares it.
    private static object TypedView<T>(ArrayView<byte> raw, long offset, long length) where T : unmanaged =>
        raw.Cast<T>().SubView(offset, length);
}
