using Mistral.Gpu.Language;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Kernels;

public static partial class MistralKernels
{
    /// <summary>
    /// <c>y[t, n] = sum_k x[t, k] * W[n, k]</c> for <paramref name="tokens"/> rows of x <c>[tokens, K]</c> into y
    /// <c>[tokens, N]</c>: a GEMV when tokens == 1, a GEMM (weights decoded once per token tile) otherwise, over fp32,
    /// fp16 or int4 weights. On GPUs each output row is one warp with 128-bit loads (an int4 GEMV on CUDA quantises x to
    /// int8 in the kernel and multiplies with dp4a, within the Q8 path's error bound); on CPU-like devices (the CPU
    /// backend, OpenCL CPU devices such as PoCL) int4 uses one lane per row instead (kernels/MatMul/README.md).
    /// </summary>
    /// <exception cref="ArgumentException">tokens is not positive, the weights belong to another accelerator or are
    /// disposed, or x / y hold fewer than tokens * K / tokens * N elements.</exception>
    public static void MatMul(Accelerator accelerator, LinearWeights weights, BufferView<float> x, BufferView<float> y, int tokens,
        AcceleratorStream? stream = null) =>
        MatMul(accelerator, weights, x, y, tokens, Int4Shape.Auto, stream);

    /// <summary>
    /// Several products of the same activations, <c>outputs[i] = x · weights[i]ᵀ</c> (the q/k/v projections, or the
    /// gate and up projections): where activations are quantised first (the CPU backend's int4 path) they are
    /// quantised once for all of them. Otherwise the same as one <see cref="MatMul(Accelerator, LinearWeights, BufferView{float}, BufferView{float}, int, AcceleratorStream?)"/> per pair.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, the weights disagree on K, or a
    /// view is too short (as for the single product).</exception>
    public static void MatMul(Accelerator accelerator, IReadOnlyList<LinearWeights> weights, BufferView<float> x, ReadOnlySpan<BufferView<float>> outputs,
        int tokens, AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Count != outputs.Length)
            throw new ArgumentException($"{weights.Count} weight matrices for {outputs.Length} outputs; give one output per matrix, at least one.", nameof(outputs));
        // x is quantised once where every matrix is int4 in one layout (the activations' order follows the weights').
        bool allInt4 = true;
        for (int i = 0; i < weights.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(weights[i], nameof(weights));
            if (weights[i].InFeatures != weights[0].InFeatures)
                throw new ArgumentException($"weights[{i}] takes K = {weights[i].InFeatures}, weights[0] takes {weights[0].InFeatures}; the products share x.", nameof(weights));
            allInt4 &= weights[i] is Int4Weights q && weights[0] is Int4Weights first && q.Layout == first.Layout;
        }
        int k = weights[0].InFeatures;
        if (!allInt4 || !UsesQ8(accelerator, k))
        {
            for (int i = 0; i < weights.Count; i++) MatMul(accelerator, weights[i], x, outputs[i], tokens, stream);
            return;
        }
        for (int i = 0; i < weights.Count; i++) CheckInt4(accelerator, (Int4Weights)weights[i], x, outputs[i], tokens, nameof(outputs));
        var scratch = Q8Activations.For(accelerator, (long)tokens * k);
        lock (scratch.Gate)
        {
            var quantized = QuantizeQ8(accelerator, scratch, LaunchShapes.Take(x, (long)tokens * k), k, tokens, ((Int4Weights)weights[0]).Layout, stream);
            for (int i = 0; i < weights.Count; i++)
            {
                var q = (Int4Weights)weights[i];
                MultiplyQ8(accelerator, q, quantized, LaunchShapes.Take(outputs[i], (long)tokens * q.OutFeatures), tokens, stream);
            }
            SynchronizeScratchUse(accelerator, stream);
        }
    }

    /// <summary>
    /// <c>y = x · Wᵀ</c> for the stacked parts of <paramref name="group"/>: y holds part 0's <c>[tokens, N0]</c>, then
    /// part 1's <c>[tokens, N1]</c>, and so on (for one token, exactly the fused product's row). One launch for a
    /// token where the group is fused; otherwise one product per part, sharing x as the list overload does.
    /// </summary>
    /// <exception cref="ArgumentException">As for the single product; y holds fewer than tokens * group.OutFeatures elements.</exception>
    public static void MatMul(Accelerator accelerator, LinearGroup group, BufferView<float> x, BufferView<float> y, int tokens,
        AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        ArgumentNullException.ThrowIfNull(group);
        LaunchShapes.Positive(tokens, nameof(tokens));
        LaunchShapes.Holds(y, (long)tokens * group.OutFeatures, nameof(y));
        if (tokens == 1 && group.Fused is { } fused)
        {
            MatMul(accelerator, fused, x, y, tokens, stream);
            return;
        }
        var outputs = new BufferView<float>[group.Parts.Count];
        long at = y.Offset;
        for (int i = 0; i < outputs.Length; i++)
        {
            long length = (long)tokens * group.Parts[i].OutFeatures;
            outputs[i] = y.Buffer!.Slice(at, length);
            at += length;
        }
        MatMul(accelerator, group.Parts, x, outputs, tokens, stream);
    }

    /// <summary>
    /// The feed-forward's first half, <c>hidden = silu(x · Gateᵀ) ⊙ (x · Upᵀ)</c>, for a group of two equal parts (gate,
    /// up). One launch for a decode token where the group is fused int4 on a GPU-shaped device: the GEMV's epilogue
    /// (Int4MatMul.GemvDp4a where dp4a runs, else GemvWarp) computes both rows of each output; otherwise the product into
    /// <paramref name="gateUp"/>, then the SwiGLU kernel.
    /// </summary>
    /// <param name="accelerator">The device.</param>
    /// <param name="group">The gate and up projections, [H, K] each.</param>
    /// <param name="x">The input rows <c>[tokens, K]</c>.</param>
    /// <param name="gateUp">Scratch of <c>tokens * 2H</c> for the two-launch path (gate rows, then up rows).</param>
    /// <param name="hidden">The output <c>[tokens, H]</c>.</param>
    /// <param name="tokens">Rows of x.</param>
    /// <param name="stream">The stream, or the default one.</param>
    /// <exception cref="ArgumentException">The group is not two parts of equal size, or a view is too short.</exception>
    public static void MatMulSwiGlu(Accelerator accelerator, LinearGroup group, BufferView<float> x, BufferView<float> gateUp, BufferView<float> hidden,
        int tokens, AcceleratorStream? stream = null) =>
        MatMulSwiGlu(accelerator, group, x, gateUp, hidden, tokens, Int4Shape.Auto, stream);

    /// <summary>The same with the fused GEMV's kernel forced (<see cref="Int4Shape.Warp"/> or <see cref="Int4Shape.Dp4a"/>) on any backend; tests.</summary>
    internal static void MatMulSwiGlu(Accelerator accelerator, LinearGroup group, BufferView<float> x, BufferView<float> gateUp, BufferView<float> hidden,
        int tokens, Int4Shape shape, AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        ArgumentNullException.ThrowIfNull(group);
        if (group.Parts.Count != 2 || group.Parts[0].OutFeatures != group.Parts[1].OutFeatures)
            throw new ArgumentException($"SwiGLU takes a gate and an up projection of one size; the group has {group.Parts.Count} parts of {string.Join(", ", group.Parts.Select(p => p.OutFeatures))} rows.", nameof(group));
        LaunchShapes.Positive(tokens, nameof(tokens));
        int h = group.Parts[0].OutFeatures, k = group.InFeatures;
        LaunchShapes.Holds(x, (long)tokens * k, nameof(x));
        LaunchShapes.Holds(hidden, (long)tokens * h, nameof(hidden));
        bool forced = shape is Int4Shape.Warp or Int4Shape.Dp4a;
        if (forced && group.Fused is Int4Weights { Layout: not Int4Layout.Standard } stored)
            throw new ArgumentException($"The fused weights are stored {stored.Layout}, which the {shape} GEMV does not read; upload them {Int4Layout.Standard} to force it.", nameof(shape));
        // A forced dp4a GEMV that cannot take this product is refused, as the plain product refuses it, not replaced.
        if (shape == Int4Shape.Dp4a && !(tokens == 1 && group.Fused is Int4Weights && Dp4aFits(k, x)))
            throw new ArgumentException($"The fused dp4a GEMV takes one token of fused int4 weights with K % 32 == 0, K <= {Int4MatMul.Dp4aMaxK} and x at a multiple of 4 floats; got {tokens} tokens, K = {k}, x at {x.Offset}, {(group.Fused is Int4Weights ? "fused int4" : "unfused or not int4")} weights.", nameof(shape));
        // Both fused GEMVs read x with 128-bit loads, whole 32-weight chunks at a time.
        if (tokens == 1 && group.Fused is Int4Weights { Layout: Int4Layout.Standard } fused && (forced || !LaunchShapes.IsCpuLike(accelerator)) && LaunchShapes.Aligned4(x) && k % 32 == 0)
        {
            if (fused.IsDisposed) throw new ArgumentException("The weights were already disposed.", nameof(group));
            var xs = LaunchShapes.Take(x, k);
            var ys = LaunchShapes.Take(hidden, h);
            bool dp4a = Dp4aFits(k, x) && (shape == Int4Shape.Dp4a || (shape == Int4Shape.Auto && ByteDot.Available(accelerator)));
            if (dp4a)
            {
                GemvDp4a(accelerator, fused, xs, ys, true, stream);
                return;
            }
            if (shape != Int4Shape.Dp4a)
            {
                int groups = LaunchShapes.Groups(h, Int4MatMul.WarpRowsPerGroup);
                Int4MatMul.GemvWarpKernel.Launch(accelerator, new LaunchDims(new Dim3(groups), new Dim3(32 * Int4MatMul.WarpRowsPerGroup)),
                    fused.Packed, fused.Scales, xs, ys, 2 * h, k, fused.GroupSize, 1, stream);
                return;
            }
        }
        LaunchShapes.Holds(gateUp, (long)tokens * 2 * h, nameof(gateUp));
        MatMul(accelerator, group, x, gateUp, tokens, stream);
        var gate = gateUp.Buffer!.Slice(gateUp.Offset, (long)tokens * h);
        var up = gateUp.Buffer!.Slice(gateUp.Offset + (long)tokens * h, (long)tokens * h);
        SwiGlu(accelerator, gate, up, hidden, tokens * h, stream);
    }

    /// <summary>Whether the dp4a GEMV takes a product of K <paramref name="k"/> over <paramref name="x"/>: whole 32-weight chunks, x's int8 copy within its shared memory, 128-bit x loads.</summary>
    private static bool Dp4aFits(int k, BufferView<float> x) => k % 32 == 0 && k <= Int4MatMul.Dp4aMaxK && LaunchShapes.Aligned4(x);

    /// <summary>The single product's checks, for one matrix of a shared-x call.</summary>
    private static void CheckInt4(Accelerator accelerator, Int4Weights weights, BufferView<float> x, BufferView<float> y, int tokens, string outputName)
    {
        if (weights.IsDisposed) throw new ArgumentException("The weights were already disposed.", nameof(weights));
        if (!ReferenceEquals(weights.Accelerator, accelerator))
            throw new ArgumentException($"The weights live on another accelerator ({weights.Accelerator}).", nameof(weights));
        LaunchShapes.Positive(tokens, nameof(tokens));
        LaunchShapes.Holds(x, (long)tokens * weights.InFeatures, nameof(x));
        LaunchShapes.Holds(y, (long)tokens * weights.OutFeatures, outputName);
    }

    /// <summary>Whether the int4 facade quantises activations to int8 here: the CPU backend, whose group body needs K in 128-blocks and SIMD.</summary>
    private static bool UsesQ8(Accelerator accelerator, int k) =>
        k % 128 == 0 && accelerator.Info.Backend == BackendKind.Cpu && Int4Q8CpuBody.IsAccelerated;

    /// <summary>Which int4 kernel shape to run; tests force each one on every backend.</summary>
    internal enum Int4Shape
    {
        Auto,
        Warp,
        Rows,
        RowsVector,
        Q8,
        Mma,
        Dp4a,
    }

    /// <summary>Which dense (fp32/fp16) kernel shape to run; tests force each one on every backend.</summary>
    internal enum DenseShape
    {
        Auto,
        Warp,
        Rows,
    }

    internal static void MatMul(Accelerator accelerator, LinearWeights weights, BufferView<float> x, BufferView<float> y, int tokens,
        Int4Shape int4Shape, AcceleratorStream? stream = null, DenseShape denseShape = DenseShape.Auto)
    {
        LaunchShapes.NotNull(accelerator);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.IsDisposed) throw new ArgumentException("The weights were already disposed.", nameof(weights));
        if (!ReferenceEquals(weights.Accelerator, accelerator))
            throw new ArgumentException($"The weights live on another accelerator ({weights.Accelerator}).", nameof(weights));
        LaunchShapes.Positive(tokens, nameof(tokens));
        int n = weights.OutFeatures, k = weights.InFeatures;
        LaunchShapes.Holds(x, (long)tokens * k, nameof(x));
        LaunchShapes.Holds(y, (long)tokens * n, nameof(y));
        var xs = LaunchShapes.Take(x, (long)tokens * k);
        var ys = LaunchShapes.Take(y, (long)tokens * n);
        int warpRows = LaunchShapes.Groups(n, DenseMatMul.RowsPerGroup);
        switch (weights)
        {
            case Int4Weights q:
                MatMulInt4(accelerator, q, xs, ys, tokens, int4Shape, stream);
                break;
            case Fp32Weights f when denseShape == DenseShape.Rows || (denseShape == DenseShape.Auto && LaunchShapes.IsCpuLike(accelerator)):
            {
                int tile = tokens == 1 ? 1 : DenseMatMul.TokenTile;
                var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(n, DenseMatMul.RowLanes), LaunchShapes.Groups(tokens, tile)), new Dim3(DenseMatMul.RowLanes));
                DenseMatMul.F32RowsKernel.Launch(accelerator, dims, f.Data, xs, ys, n, k, tokens, tile, stream);
                break;
            }
            case Fp16Weights h when denseShape == DenseShape.Rows || (denseShape == DenseShape.Auto && LaunchShapes.IsCpuLike(accelerator)):
            {
                int tile = tokens == 1 ? 1 : DenseMatMul.TokenTile;
                var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(n, DenseMatMul.RowLanes), LaunchShapes.Groups(tokens, tile)), new Dim3(DenseMatMul.RowLanes));
                DenseMatMul.F16RowsKernel.Launch(accelerator, dims, h.Data, xs, ys, n, k, tokens, tile, stream);
                break;
            }
            case Fp32Weights f:
            {
                int tile = tokens == 1 ? 1 : DenseMatMul.TokenTile;
                int width = k % 4 == 0 && LaunchShapes.Aligned4(xs) ? 4 : 1;
                var dims = new LaunchDims(new Dim3(warpRows, LaunchShapes.Groups(tokens, tile)), new Dim3(32 * DenseMatMul.RowsPerGroup));
                DenseMatMul.F32Kernel.Launch(accelerator, dims, f.Data, xs, ys, n, k, tokens, tile, width, stream);
                break;
            }
            case Fp16Weights h:
            {
                int tile = tokens == 1 ? 1 : DenseMatMul.TokenTile;
                int xVector = k % 8 == 0 && LaunchShapes.Aligned4(xs) ? 1 : 0;
                var dims = new LaunchDims(new Dim3(warpRows, LaunchShapes.Groups(tokens, tile)), new Dim3(32 * DenseMatMul.RowsPerGroup));
                DenseMatMul.F16Kernel.Launch(accelerator, dims, h.Data, xs, ys, n, k, tokens, tile, xVector, stream);
                break;
            }
            default:
                throw new ArgumentException($"Unsupported weight type {weights.GetType().Name}.", nameof(weights));
        }
    }

    private static void MatMulInt4(Accelerator accelerator, Int4Weights q, BufferView<float> x, BufferView<float> y, int tokens,
        Int4Shape shape, AcceleratorStream? stream)
    {
        int n = q.OutFeatures, k = q.InFeatures;
        if (q.Layout == Int4Layout.GroupInterleaved && shape is not (Int4Shape.Auto or Int4Shape.Q8))
            throw new ArgumentException($"The weights are stored {Int4Layout.GroupInterleaved}, which only the Q8 kernels read; upload them {Int4Layout.Standard} to run the {shape} kernel.", nameof(shape));
        if (shape == Int4Shape.Q8 || (shape == Int4Shape.Auto && (UsesQ8(accelerator, k) || q.Layout == Int4Layout.GroupInterleaved)))
        {
            if (k % 128 != 0) throw new ArgumentException($"The Q8 kernels need K % 128 == 0, got {k}.", nameof(shape));
            MatMulQ8(accelerator, q, x, y, tokens, stream);
            return;
        }
        bool vectorFits = k % 128 == 0 && k <= Int4MatMul.RowsVectorMaxK;
        if (shape == Int4Shape.RowsVector || (shape == Int4Shape.Auto && vectorFits && accelerator.Info.Backend == BackendKind.OpenCL && LaunchShapes.IsCpuLike(accelerator)))
        {
            if (!vectorFits) throw new ArgumentException($"The vectorised CPU kernel needs K % 128 == 0 and K <= {Int4MatMul.RowsVectorMaxK}, got {k}.", nameof(shape));
            int tile = tokens == 1 ? 1 : Int4MatMul.RowTokenTile;
            var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(n, Int4MatMul.RowVectorLanes), LaunchShapes.Groups(tokens, tile)), new Dim3(Int4MatMul.RowVectorLanes));
            Int4MatMul.RowsVectorKernel.Launch(accelerator, dims, q.Packed, q.Scales, x, y, n, k, tokens, q.GroupSize, tile, stream);
            return;
        }
        if (shape == Int4Shape.Rows || (shape == Int4Shape.Auto && LaunchShapes.IsCpuLike(accelerator)))
        {
            int tile = tokens == 1 ? 1 : Int4MatMul.RowTokenTile;
            var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(n, Int4MatMul.RowLanes), LaunchShapes.Groups(tokens, tile)), new Dim3(Int4MatMul.RowLanes));
            Int4MatMul.RowsKernel.Launch(accelerator, dims, q.Packed, q.Scales, x, y, n, k, tokens, q.GroupSize, tile, stream);
            return;
        }
        // Decode on GPUs with dp4a (Int4GemvDp4a); forced elsewhere (a GEMM then runs it token by token), where
        // KMath.Dp4a is its byte products.
        bool dp4aFits = Dp4aFits(k, x);
        if (shape == Int4Shape.Dp4a || (shape == Int4Shape.Auto && tokens == 1 && dp4aFits && ByteDot.Available(accelerator)))
        {
            if (!dp4aFits)
                throw new ArgumentException($"The dp4a GEMV needs K % 32 == 0, K <= {Int4MatMul.Dp4aMaxK} and x at a multiple of 4 floats (128-bit loads), got K = {k}, x at {x.Offset}.", nameof(shape));
            for (int t = 0; t < tokens; t++)
                GemvDp4a(accelerator, q, tokens == 1 ? x : x.Buffer!.Slice(x.Offset + (long)t * k, k), tokens == 1 ? y : y.Buffer!.Slice(y.Offset + (long)t * n, n), false, stream);
            return;
        }
        // Prefill on tensor cores (Int4MmaGemm); forced elsewhere, where Mma.M16N8K16 runs its exchange fallback.
        if (shape == Int4Shape.Mma || (shape == Int4Shape.Auto && tokens > 1 && TensorCores.Available(accelerator)))
        {
            var tiles = new LaunchDims(new Dim3(LaunchShapes.Groups(n, Int4MmaGemm.RowTile), LaunchShapes.Groups(tokens, Int4MmaGemm.TokenTile)), new Dim3(Int4MmaGemm.Lanes));
            Int4MmaGemm.GemmKernel.Launch(accelerator, tiles, q.Packed, q.Scales, x, y, n, k, tokens, q.GroupSize, stream);
            return;
        }
        int groups = LaunchShapes.Groups(n, Int4MatMul.WarpRowsPerGroup);
        var lanes = new Dim3(32 * Int4MatMul.WarpRowsPerGroup);
        if (tokens == 1 && LaunchShapes.Aligned4(x))
        {
            Int4MatMul.GemvWarpKernel.Launch(accelerator, new LaunchDims(new Dim3(groups), lanes), q.Packed, q.Scales, x, y, n, k, q.GroupSize, 0, stream);
            return;
        }
        var gemm = new LaunchDims(new Dim3(groups, LaunchShapes.Groups(tokens, Int4MatMul.GemmTokenTile)), lanes);
        Int4MatMul.GemmWarpKernel.Launch(accelerator, gemm, q.Packed, q.Scales, x, y, n, k, tokens, q.GroupSize, stream);
    }

    /// <summary>
    /// One token's int4 GEMV by <c>Int4MatMul.GemvDp4a</c>: y = x · Wᵀ (N outputs), or with <paramref name="swiGlu"/>
    /// the fused gate/up product y[i] = silu(x · W[i]) · (x · W[H + i]) of weights [2H, K] into H outputs. No checks
    /// beyond the facade's: K % 32 == 0, K &lt;= Dp4aMaxK, x at a multiple of 4 floats, N even with swiGlu.
    /// </summary>
    internal static void GemvDp4a(Accelerator accelerator, Int4Weights q, BufferView<float> x, BufferView<float> y, bool swiGlu, AcceleratorStream? stream = null)
    {
        int n = q.OutFeatures;
        int pairs = swiGlu ? n / 2 : (n + 1) / 2;
        int groups = LaunchShapes.Groups(pairs, Int4MatMul.Dp4aLanes / 32);
        // Enough groups to fill every unit a few times over; past that, each group loops over more rows and x is
        // quantised once per group instead of once per 8 rows.
        if (accelerator.Info.ComputeUnits > 0) groups = Math.Min(groups, accelerator.Info.ComputeUnits * Int4MatMul.Dp4aGroupsPerUnit);
        Int4MatMul.GemvDp4aKernel.Launch(accelerator, new LaunchDims(new Dim3(groups), new Dim3(Int4MatMul.Dp4aLanes)), q.Packed, q.Scales, x, y,
            n, q.InFeatures, q.GroupSize, swiGlu ? 1 : 0, stream);
    }

    /// <summary>
    /// x quantised to int8 per group of 32, then exact integer dot products against the nibbles: the CPU backend's
    /// int4 path (its group body streams the weights at DRAM speed). Synchronous backends only: the shared scratch
    /// is released when the launches return.
    /// </summary>
    private static void MatMulQ8(Accelerator accelerator, Int4Weights weights, BufferView<float> x, BufferView<float> y, int tokens, AcceleratorStream? stream)
    {
        int k = weights.InFeatures;
        var scratch = Q8Activations.For(accelerator, (long)tokens * k);
        lock (scratch.Gate)
        {
            MultiplyQ8(accelerator, weights, QuantizeQ8(accelerator, scratch, x, k, tokens, weights.Layout, stream), y, tokens, stream);
            SynchronizeScratchUse(accelerator, stream);
        }
    }

    /// <summary>The activations of one Q8 call, quantised into the accelerator's scratch (valid while its gate is held).</summary>
    private readonly record struct Q8Input(BufferView<uint> Values, BufferView<float> Scales, BufferView<int> Sums, int K, Int4Layout Layout);

    /// <summary>x to int8 in the order of weights stored in <paramref name="layout"/>.</summary>
    private static Q8Input QuantizeQ8(Accelerator accelerator, Q8Activations scratch, BufferView<float> x, int k, int tokens, Int4Layout layout, AcceleratorStream? stream)
    {
        var input = new Q8Input(scratch.Values.Slice(0, (long)tokens * k / 4), scratch.Scales.Slice(0, (long)tokens * k / 32), scratch.Sums.Slice(0, (long)tokens * k / 32), k, layout);
        Int4MatMul.QuantizeQ8Kernel.Launch(accelerator, LaunchDims.ForElements((long)tokens * k / 32, Int4MatMul.Q8QuantizeLanes), x, input.Values, input.Scales, input.Sums, k, tokens,
            Int4Layouts.Specialization(layout), stream);
        return input;
    }

    private static void MultiplyQ8(Accelerator accelerator, Int4Weights q, Q8Input x, BufferView<float> y, int tokens, AcceleratorStream? stream)
    {
        int n = q.OutFeatures;
        int tile = tokens == 1 ? 1 : tokens <= Int4MatMul.RowTokenTile ? Int4MatMul.RowTokenTile : Int4MatMul.Q8LongTokenTile;
        var dims = new LaunchDims(new Dim3(LaunchShapes.Groups(n, Int4MatMul.Q8RowLanes), LaunchShapes.Groups(tokens, tile)), new Dim3(Int4MatMul.Q8RowLanes));
        if (q.Layout != x.Layout) throw new InvalidOperationException($"Activations quantised for {x.Layout} weights met {q.Layout} ones.");
        Int4MatMul.Q8RowsKernel.Launch(accelerator, dims, q.Packed, q.Scales, x.Values, x.Scales, x.Sums, y, n, x.K, tokens, q.GroupSize, tile, Int4Layouts.Specialization(q.Layout), stream);
    }

    /// <summary>A device that queues launches would still read the shared scratch after its gate is released; wait for it there.</summary>
    private static void SynchronizeScratchUse(Accelerator accelerator, AcceleratorStream? stream)
    {
        if (accelerator.Info.Backend != BackendKind.Cpu) (stream ?? accelerator.DefaultStream).Synchronize();
    }

    /// <summary>Dequantises int4 weights on the device to fp32 <c>[N, K]</c> (tests, debugging).</summary>
    /// <exception cref="ArgumentException">The weights belong to another accelerator, or output holds fewer than N * K elements.</exception>
    public static void Int4Dequantize(Accelerator accelerator, Int4Weights weights, BufferView<float> output, AcceleratorStream? stream = null)
    {
        LaunchShapes.NotNull(accelerator);
        ArgumentNullException.ThrowIfNull(weights);
        if (!ReferenceEquals(weights.Accelerator, accelerator))
            throw new ArgumentException($"The weights live on another accelerator ({weights.Accelerator}).", nameof(weights));
        long count = (long)weights.OutFeatures * weights.InFeatures;
        LaunchShapes.Holds(output, count, nameof(output));
        Int4MatMul.DequantizeKernel.Launch(accelerator, LaunchDims.ForElements(count, 256), weights.Packed, weights.Scales,
            LaunchShapes.Take(output, count), weights.OutFeatures, weights.InFeatures, weights.GroupSize, Int4Layouts.Specialization(weights.Layout), stream);
    }
}
