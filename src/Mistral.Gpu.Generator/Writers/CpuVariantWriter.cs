using System.Collections.Generic;
using System.Linq;
using Mistral.Gpu.Generator.Emit;
using Mistral.Gpu.Generator.Models;

namespace Mistral.Gpu.Generator.Writers;

/// <summary>
/// Writes the CPU entry of a kernel: its rewritten copy (ILGPU's intrinsics and views exist only inside ILGPU), called
/// lane after lane; with barriers or warp collectives the copy is an iterator that yields at every synchronisation point,
/// and the group steps all iterators in lock step. A copy of each helper the kernel reaches goes with it.
/// </summary>
internal static class CpuVariantWriter
{
    private const string Language = "global::Mistral.Gpu.Language.";

    public static void Write(CodeWriter w, KernelModel kernel, IReadOnlyList<string> helperCpuCopies)
    {
        string arguments = OpenRunGroup(w, kernel);
        if (kernel.NeedsLockstep)
        {
            w.Line("var lanes = new global::System.Collections.Generic.IEnumerator<int>[group.LaneCount];");
            w.Line("for (int lane = 0; lane < lanes.Length; lane++)");
            w.Line($"    lanes[lane] = Cpu_{kernel.MethodName}(group.EnterLane(lane){arguments});");
            w.Line("group.RunLockstep(lanes);");
        }
        else
        {
            w.Line("for (int lane = 0; lane < group.LaneCount; lane++)");
            w.Line($"    Cpu_{kernel.MethodName}(group.EnterLane(lane){arguments});");
        }
        w.Close();
        w.Line();
        string returnType = kernel.NeedsLockstep ? "global::System.Collections.Generic.IEnumerator<int>" : "void";
        w.Line($"private static {returnType} Cpu_{kernel.MethodName}({Language}KernelContext {kernel.ContextName}{string.Join("", kernel.Parameters.Select(p => ", " + ParameterType(p) + " " + p.Name))})");
        w.Lines(Dedent(kernel.CpuIteratorBody!));
        foreach (var helper in helperCpuCopies)
        {
            w.Line();
            w.Lines(Dedent(helper));
        }
    }

    /// <summary>Opens <c>RunGroup</c>: unpacks the arguments and tries the group body; returns the argument list.</summary>
    private static string OpenRunGroup(CodeWriter w, KernelModel kernel)
    {
        string arguments = string.Join("", kernel.Parameters.Select(p => ", v_" + p.Name));
        w.Line($"private static void RunGroup({Language}Cpu.CpuGroup group, global::System.ReadOnlySpan<global::Mistral.Gpu.Runtime.KernelArgument> args)");
        w.Open();
        for (int i = 0; i < kernel.Parameters.Count; i++)
            w.Line($"var v_{kernel.Parameters[i].Name} = args[{i}].{kernel.Parameters[i].KernelArgumentAccessor};");
        if (kernel.CpuGroupBody is not null)
            w.Line($"if (group.UseGroupBodies && {kernel.CpuGroupBody}(group{arguments})) return;");
        return arguments;
    }

    private static string ParameterType(ParameterModel p) => p.Kind switch
    {
        ParameterKind.View => $"{Language}View<{p.ElementType}>",
        ParameterKind.ReadOnlyView => $"{Language}ReadOnlyView<{p.ElementType}>",
        _ => p.ElementType,
    };

    /// <summary>Strips the body's original indentation so the copy nests at the writer's depth.</summary>
    private static string Dedent(string text)
    {
        var lines = text.Replace("\r\n", "\n").Trim('\n').Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l.Substring(indent) : l.TrimStart()));
    }
}
