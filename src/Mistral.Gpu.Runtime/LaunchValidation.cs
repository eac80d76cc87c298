namespace Mistral.Gpu.Runtime;

/// <summary>The host-side checks every launch passes before any backend sees it.</summary>
internal static class LaunchValidation
{
    public static void Check(Accelerator accelerator, KernelDefinition kernel, LaunchDims dims, ReadOnlySpan<KernelArgument> arguments)
    {
        var parameters = kernel.Parameters;
        if (arguments.Length != parameters.Count)
            throw new ArgumentException($"Kernel {kernel.Name} takes {parameters.Count} arguments, {arguments.Length} were given.", nameof(arguments));
        for (int i = 0; i < parameters.Count; i++) CheckArgument(accelerator, kernel, parameters[i], arguments[i]);
        CheckDims(accelerator, kernel, dims);
        kernel.Validator?.Invoke(arguments);
    }

    private static void CheckArgument(Accelerator accelerator, KernelDefinition kernel, KernelParameter parameter, KernelArgument argument)
    {
        // Formatted only on the way to a throw: every launch passes here once per argument.
        string where() => $"Kernel {kernel.Name}, parameter '{parameter.Name}'";
        if (parameter.IsBuffer)
        {
            if (!argument.IsBuffer)
                throw new ArgumentException($"{where()} expects a buffer of {parameter.Type.Name}, got a {argument.Type.Name} scalar.", parameter.Name);
            if (argument.Buffer is null)
                throw new ArgumentNullException(parameter.Name, $"{where()} got a null buffer.");
            if (argument.Buffer.IsDisposed)
                throw new ArgumentException($"{where()} got a buffer that was already disposed.", parameter.Name);
            if (!ReferenceEquals(argument.Buffer.Accelerator, accelerator))
                throw new ArgumentException($"{where()} got a buffer of another accelerator ({argument.Buffer.Accelerator}).", parameter.Name);
            if (argument.Buffer.ElementType != parameter.Type)
                throw new ArgumentException($"{where()} expects {parameter.Type.Name} elements, got a buffer of {argument.Buffer.ElementType.Name}.", parameter.Name);
            if (argument.Length > int.MaxValue || argument.Offset > int.MaxValue)
                throw new ArgumentException($"{where()}: windows beyond 2^31 elements are not supported.", parameter.Name);
            return;
        }
        if (argument.IsBuffer)
            throw new ArgumentException($"{where()} expects a {parameter.Type.Name} scalar, got a buffer.", parameter.Name);
        if (argument.Type != parameter.Type)
            throw new ArgumentException($"{where()} expects a {parameter.Type.Name}, got a {argument.Type.Name}.", parameter.Name);
        if (parameter.Kind == KernelParameterKind.Specialization && parameter.SupportedValues is { Count: > 0 } supported
            && !supported.Contains(argument.AsInt32()))
            throw new ArgumentException($"{where()} = {argument.AsInt32()} is not supported; supported values: {string.Join(", ", supported)}.", parameter.Name);
    }

    private static void CheckDims(Accelerator accelerator, KernelDefinition kernel, LaunchDims dims)
    {
        var (groups, size) = (dims.GroupCount, dims.GroupSize);
        if (groups.X <= 0 || groups.Y <= 0 || groups.Z <= 0)
            throw new ArgumentException($"Kernel {kernel.Name}: group count {groups} must be positive in every dimension.", nameof(dims));
        if (size.X <= 0 || size.Y <= 0 || size.Z <= 0)
            throw new ArgumentException($"Kernel {kernel.Name}: group size {size} must be positive in every dimension.", nameof(dims));
        if (size.Volume > accelerator.Info.MaxGroupSize)
            throw new ArgumentException($"Kernel {kernel.Name}: group size {size.Volume} exceeds the device's maximum of {accelerator.Info.MaxGroupSize}.", nameof(dims));
        if ((kernel.Features & KernelFeatures.Warp) != 0 && size.Volume % Language.Warp.Size != 0)
            throw new ArgumentException($"Kernel {kernel.Name} uses warp collectives: its group size ({size.Volume}) must be a multiple of {Language.Warp.Size}.", nameof(dims));
    }
}
