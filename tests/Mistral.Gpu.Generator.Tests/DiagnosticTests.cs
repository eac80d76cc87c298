using Xunit;

namespace Mistral.Gpu.Generator.Tests;

/// <summary>
/// One test per diagnostic id: a small ILGPU kernel with one unsupported construct, whose line is marked
/// with <c>/*!*/</c>; the id must be reported on that line.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Marker = "/*!*/";

    private static string InClass(string members) => $$"""
        using System;
        using ILGPU;
        using ILGPU.Algorithms;
        using ILGPU.Algorithms.ScanReduceOperations;
        using ILGPU.Runtime;
        using Mistral.Gpu.Language;
        using Group = ILGPU.Group;
        using Warp = ILGPU.Warp;
        using Atomic = ILGPU.Atomic;
        using Half = ILGPU.Half;

        namespace Test;

        public static partial class K
        {
        {{members}}
        }
        """;

    private static string InKernel(string body) => InClass($$"""
            [Kernel]
            public static void Run(ArrayView<float> x, ArrayView<int> counts, int n)
            {
        {{body}}
            }
        """);

    private static void AssertReported(string id, string source)
    {
        var result = GeneratorHarness.Run(source);
        int line = source.Replace("\r\n", "\n").Split('\n').ToList().FindIndex(l => l.Contains(Marker));
        Assert.True(line >= 0, "test source lacks the marker");
        var lines = result.GeneratorDiagnostics.Where(d => d.Id == id).Select(d => d.Location.GetLineSpan().StartLinePosition.Line).ToList();
        Assert.True(lines.Contains(line),
            $"expected {id} on line {line + 1}; got: {string.Join("; ", result.GeneratorDiagnostics.Select(d => $"{d.Id}@{d.Location.GetLineSpan().StartLinePosition.Line + 1} {d.GetMessage()}"))}");
    }

    [Fact]
    public void Clean_kernel_has_no_diagnostics_and_compiles()
    {
        var result = GeneratorHarness.Run(InKernel("""
                int i = Grid.GlobalIndex.X;
                var tile = SharedMemory.Allocate<float>(64);
                if (i < n) x[i] = XMath.Exp(x[i]) + tile.Length;
                Group.Barrier();
                float s = WarpExtensions.AllReduce<float, AddFloat>(1f);
                if (i < n) Atomic.Add(ref counts[i], (int)s);
        """));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
    }

    [Fact]
    public void MGPU001_kernel_not_static_void() =>
        AssertReported("MGPU001", InClass("    [Kernel] public static int Bad(int n) => n; " + Marker));

    [Fact]
    public void MGPU002_kernel_class_not_static_partial() => AssertReported("MGPU002", """
        using Mistral.Gpu.Language;
        public partial class NotStatic
        {
            [Kernel] public static void Bad(int n) { } /*!*/
        }
        """);

    [Fact]
    public void MGPU003_a_cpu_backend_view_is_not_a_kernel_parameter() =>
        AssertReported("MGPU003", InClass("    [Kernel] public static void Bad(View<float> x) { } " + Marker));

    [Fact]
    public void MGPU003_the_retired_kernel_context_is_not_a_kernel_parameter() =>
        AssertReported("MGPU003", InClass("    [Kernel] public static void Bad(KernelContext ctx, ArrayView<float> x) { } " + Marker));

    [Fact]
    public void MGPU003_a_helper_takes_ilgpu_views_too() =>
        AssertReported("MGPU003", InClass("    [KernelHelper] public static float Bad(ReadOnlyView<float> x) => x[0]; " + Marker));

    [Fact]
    public void MGPU004_unsupported_parameter_type() =>
        AssertReported("MGPU004", InClass("    [Kernel] public static void Bad(DateTime t) { } " + Marker));

    [Fact]
    public void MGPU005_reference_type() => AssertReported("MGPU005", InKernel("        object o = 1; " + Marker));

    [Fact]
    public void MGPU006_new_reference_type() => AssertReported("MGPU006", InKernel("        _ = new Random(); " + Marker));

    [Fact]
    public void MGPU007_linq() => AssertReported("MGPU007", InKernel("        int c = System.Linq.Enumerable.Count(System.Linq.Enumerable.Range(0, n)); " + Marker));

    [Fact]
    public void MGPU008_local_function() => AssertReported("MGPU008", InKernel("        int Twice(int v) => v * 2; " + Marker));

    [Fact]
    public void MGPU009_throw() => AssertReported("MGPU009", InKernel("        if (n < 0) throw new ArgumentException(); " + Marker));

    [Fact]
    public void MGPU010_recursion_through_helpers() => AssertReported("MGPU010", InClass("""
            [KernelHelper] static int F(int v) => v <= 0 ? 0 : G(v - 1); /*!*/
            [KernelHelper] static int G(int v) => F(v);
            [Kernel] public static void Run(ArrayView<int> x) { x[0] = F(3); }
        """));

    [Fact]
    public void MGPU011_string() => AssertReported("MGPU011", InKernel("        string s = \"text\"; " + Marker));

    [Fact]
    public void MGPU012_unsupported_call() => AssertReported("MGPU012", InKernel("        x[0] = (float)Math.Sqrt(2.0); " + Marker));

    [Fact]
    public void MGPU013_barrier_under_lane_dependent_branch() => AssertReported("MGPU013", InKernel("""
                int lane = Group.IdxX;
                int limit = lane * 2;
                if (limit < 16) Group.Barrier(); /*!*/
        """));

    [Fact]
    public void MGPU013_warp_collective_in_lane_dependent_loop() => AssertReported("MGPU013", InKernel("""
                for (int i = Grid.GlobalIndex.X; i < n; i += 256)
                {
                    float s = WarpExtensions.AllReduce<float, AddFloat>(x[i]); /*!*/
                }
        """));

    [Fact]
    public void MGPU014_lane_dependent_return_before_barrier() => AssertReported("MGPU014", InKernel("""
                if (Grid.GlobalIndex.X >= n) return; /*!*/
                Group.Barrier();
        """));

    [Fact]
    public void MGPU015_non_constant_shared_length() =>
        AssertReported("MGPU015", InKernel("        var tile = SharedMemory.Allocate<float>(n); " + Marker));

    [Fact]
    public void MGPU016_barrier_in_helper() => AssertReported("MGPU016", InClass("""
            [KernelHelper] static void Sync() { Group.Barrier(); } /*!*/
            [Kernel] public static void Run(ArrayView<int> x) { Sync(); }
        """));

    [Fact]
    public void MGPU017_warp_collective_inside_expression() =>
        AssertReported("MGPU017", InKernel("        float y = 1f + Warp.ShuffleXor(1f, 1); " + Marker));

    [Fact]
    public void MGPU016_tensor_core_tile_in_helper() => AssertReported("MGPU016", InClass("""
            [KernelHelper] static Float4 Tile(UInt4 a, Float4 c) { return Mma.M16N8K16(a, 0u, 0u, c); } /*!*/
            [Kernel] public static void Run(ArrayView<float> x) { var d = Tile(new UInt4(0u, 0u, 0u, 0u), new Float4(0f, 0f, 0f, 0f)); x[0] = d.X; }
        """));

    [Fact]
    public void MGPU017_tensor_core_tile_inside_expression() =>
        AssertReported("MGPU017", InKernel("        float y = 1f + Mma.M16N8K16(new UInt4(0u, 0u, 0u, 0u), 0u, 0u, new Float4(0f, 0f, 0f, 0f)).X; " + Marker));

    [Fact]
    public void MGPU018_specialize_on_float() =>
        AssertReported("MGPU018", InClass("    [Kernel] public static void Bad([Specialize(1)] float f) { } " + Marker));

    [Fact]
    public void MGPU018_specialize_without_values() =>
        AssertReported("MGPU018", InClass("    [Kernel] public static void Bad([Specialize] int size) { } " + Marker));

    [Fact]
    public void MGPU019_extent_names_unknown_parameter() =>
        AssertReported("MGPU019", InClass("    [Kernel] public static void Bad([Extent(\"m * 2\")] ArrayView<float> x, int n) { } " + Marker));

    [Fact]
    public void MGPU019_extent_does_not_parse() =>
        AssertReported("MGPU019", InClass("    [Kernel] public static void Bad([Extent(\"n *\")] ArrayView<float> x, int n) { } " + Marker));

    [Fact]
    public void MGPU020_half_arithmetic() => AssertReported("MGPU020", InKernel("""
                Half h = (Half)1f;
                h = h + h; /*!*/
        """));

    [Fact]
    public void MGPU021_unsupported_syntax() => AssertReported("MGPU021", InKernel("""
                switch (n) { case 1: break; } /*!*/
        """));

    [Fact]
    public void MGPU022_shared_allocation_inside_branch() =>
        AssertReported("MGPU022", InKernel("        if (n > 0) { var tile = SharedMemory.Allocate<float>(4); } " + Marker));

    [Fact]
    public void MGPU023_view_copied_into_local() => AssertReported("MGPU023", InKernel("        var y = x; " + Marker));

    [Fact]
    public void MGPU024_cpu_group_body_with_wrong_parameters() => AssertReported("MGPU024", InClass("""
            [Kernel]
            [CpuGroupBody(typeof(K), nameof(Body))] /*!*/
            public static void Run(ArrayView<float> x, int n) { }

            public static bool Body(Mistral.Gpu.Language.Cpu.CpuGroup group, ReadOnlyView<float> x, float n) => true;
        """));

    [Fact]
    public void MGPU024_cpu_group_body_that_does_not_exist() => AssertReported("MGPU024", InClass("""
            [Kernel]
            [CpuGroupBody(typeof(K), "Missing")] /*!*/
            public static void Run(ArrayView<float> x, int n) { }
        """));

    [Fact]
    public void Cpu_group_body_with_the_kernel_parameters_is_accepted()
    {
        var result = GeneratorHarness.Run(InClass("""
                [Kernel]
                [CpuGroupBody(typeof(K), nameof(Body))]
                public static void Run(ArrayView<float> x, [Specialize(1, 2)] SpecializedValue<int> n) { }

                public static bool Body(Mistral.Gpu.Language.Cpu.CpuGroup group, ReadOnlyView<float> x, int n) => true;
            """));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
    }
}
