using System.Collections.Generic;
using System.Linq;
using Mistral.Gpu.Generator.Analysis;
using Microsoft.CodeAnalysis;

namespace Mistral.Gpu.Generator.Emit;

/// <summary>
/// The address-space key of a helper copy: one letter per view parameter that takes either space (see TakesEitherSpace), in order, 'g' for global
/// memory and 'l' for group-local memory (a SharedView passed through its conversion). The all-global copy keeps the
/// helper's own name; the others are <c>mgpu_{key}_{name}</c>, a prefix no C# identifier keeps (CName renames it).
/// </summary>
internal static class HelperSpaces
{
    public const char Global = 'g';
    public const char Local = 'l';

    /// <summary>How many parameters of the helper can take either space.</summary>
    public static int Count(IMethodSymbol helper, SemanticModel model) => helper.Parameters.Count(p => TakesEitherSpace(p, model));

    /// <summary>
    /// Whether a helper parameter may point into either address space: a kernel-language <c>ReadOnlyView</c>, or any ILGPU
    /// <c>ArrayView</c> (ILGPU has one view type for global and group memory, written or not).
    /// </summary>
    public static bool TakesEitherSpace(IParameterSymbol parameter, SemanticModel model) =>
        Known.Is(parameter.Type, Known.IlgpuArrayView) || ViewWrites.KindOf(parameter, model) == ViewKind.GlobalReadOnly;

    /// <summary>Every key for <paramref name="count"/> such parameters, the all-global one first.</summary>
    public static IEnumerable<string> All(int count)
    {
        for (int mask = 0; mask < 1 << count; mask++)
        {
            var key = new char[count];
            for (int i = 0; i < count; i++) key[i] = (mask >> i & 1) == 1 ? Local : Global;
            yield return new string(key);
        }
    }

    /// <summary>The C name of the helper's copy for <paramref name="key"/>.</summary>
    public static string Name(string cName, string key) => key.IndexOf(Local) < 0 ? cName : "mgpu_" + key + "_" + cName;
}
