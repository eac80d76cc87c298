using Mistral.Gpu.Kernels;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench;

/// <summary>
/// One kernel call at one shape: sets up its buffers once, runs one call (synchronised), and says how many
/// bytes and FLOPs one call moves (from <see cref="KernelCosts"/>, so the bench and the roofline agree).
/// </summary>
public sealed class KernelCase : IDisposable
{
    private readonly List<IDisposable> owned = [];
    private readonly Action run;

    private KernelCase(string name, KernelCost cost, Action<KernelCase> setup, Func<KernelCase, Action> body, Accelerator accelerator)
    {
        Name = name;
        Cost = cost;
        Accelerator = accelerator;
        setup(this);
        run = body(this);
    }

    /// <summary>The case's name, as the benchmarks' parameter.</summary>
    public string Name { get; }

    /// <summary>Bytes and FLOPs per call.</summary>
    public KernelCost Cost { get; }

    /// <summary>The device.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Runs one call and waits for it.</summary>
    public void Run()
    {
        run();
        Accelerator.Synchronize();
    }

    private T Own<T>(T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    private DeviceBuffer<float> Floats(long count, int seed) =>
        Own(Accelerator.Upload<float>(Random(count, seed)));

    private static float[] Random(long count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>
    /// The case names (at most 20 characters, so BenchmarkDotNet prints them whole), in the order the suite runs them:
    /// int4 GEMV at the FFN up/gate shape (N=14336, K=4096) and the down shape (N=4096, K=14336), both in groups of 32
    /// as the model stores them, an int4 GEMM of 16 and of 512 tokens (a prefill) at the up shape and of 512 at the down shape (K=14336,
    /// groups of 32, as the model stores it), an fp16 GEMV at the attention projection shape, the fused
    /// residual RMSNorm of 64 tokens and SwiGLU of 64 tokens.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "Int4Gemv 14336x4096",
        "Int4Gemv 4096x14336",
        "Int4Gemm t16 14336",
        "Int4Gemm t512 14336",
        "Int4Gemm t512 k14336",
        "Fp16Gemv 4096x4096",
        "RmsNormRes 512x4096",
        "SwiGlu 512x14336",
    ];

    /// <summary>Bytes and FLOPs per call of the named case, without a device.</summary>
    public static KernelCost CostOf(string name) => name switch
    {
        "Int4Gemv 14336x4096" => KernelCosts.MatMul(1, 14336, 4096, WeightEncoding.Int4(32)),
        "Int4Gemv 4096x14336" => KernelCosts.MatMul(1, 4096, 14336, WeightEncoding.Int4(32)),
        "Int4Gemm t16 14336" => KernelCosts.MatMul(16, 14336, 4096, WeightEncoding.Int4(32)),
        "Int4Gemm t512 14336" => KernelCosts.MatMul(512, 14336, 4096, WeightEncoding.Int4(32)),
        "Int4Gemm t512 k14336" => KernelCosts.MatMul(512, 4096, 14336, WeightEncoding.Int4(32)),
        "Fp16Gemv 4096x4096" => KernelCosts.MatMul(1, 4096, 4096, WeightEncoding.Fp16),
        "RmsNormRes 512x4096" => KernelCosts.RmsNormResidual(512, 4096),
        "SwiGlu 512x14336" => KernelCosts.SwiGlu(512L * 14336),
        _ => throw new ArgumentException($"Unknown case '{name}'.", nameof(name)),
    };

    /// <summary>Builds the named case on <paramref name="accelerator"/>.</summary>
    public static KernelCase Create(string name, Accelerator accelerator)
    {
        DeviceBuffer<float>? x = null, y = null, z = null, w = null;
        LinearWeights? weights = null;
        switch (name)
        {
            case "Int4Gemv 14336x4096": return MatMul(name, accelerator, 1, 14336, 4096, WeightFormat.Int4, 32);
            case "Int4Gemv 4096x14336": return MatMul(name, accelerator, 1, 4096, 14336, WeightFormat.Int4, 32);
            case "Int4Gemm t16 14336": return MatMul(name, accelerator, 16, 14336, 4096, WeightFormat.Int4, 32);
            case "Int4Gemm t512 14336": return MatMul(name, accelerator, 512, 14336, 4096, WeightFormat.Int4, 32);
            case "Int4Gemm t512 k14336": return MatMul(name, accelerator, 512, 4096, 14336, WeightFormat.Int4, 32);
            case "Fp16Gemv 4096x4096": return MatMul(name, accelerator, 1, 4096, 4096, WeightFormat.Fp16, 32);
            case "RmsNormRes 512x4096":
                return new KernelCase(name, KernelCosts.RmsNormResidual(512, 4096),
                    c => { x = c.Floats(512 * 4096, 1); y = c.Floats(512 * 4096, 2); z = c.Floats(512 * 4096, 3); w = c.Floats(4096, 4); },
                    c => () => MistralKernels.RmsNormResidual(c.Accelerator, x!, y!, w!, z!, 512, 4096, 1e-5f), accelerator);
            case "SwiGlu 512x14336":
                return new KernelCase(name, KernelCosts.SwiGlu(512L * 14336),
                    c => { x = c.Floats(512 * 14336, 1); y = c.Floats(512 * 14336, 2); z = c.Floats(512 * 14336, 3); },
                    c => () => MistralKernels.SwiGlu(c.Accelerator, x!, y!, z!, 512 * 14336), accelerator);
            default:
                _ = weights;
                throw new ArgumentException($"Unknown case '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
        }
    }

    private static KernelCase MatMul(string name, Accelerator accelerator, int tokens, int n, int k, WeightFormat format, int groupSize)
    {
        var encoding = format switch
        {
            WeightFormat.Int4 => WeightEncoding.Int4(groupSize),
            WeightFormat.Fp16 => WeightEncoding.Fp16,
            _ => WeightEncoding.Fp32,
        };
        // Several copies of the weights, used in turn, so that together they exceed the last-level cache (32 MiB on
        // the first machine, 260 MiB on today's Xeon): one 33 MB matrix called again and again would otherwise be
        // served from L3, which a real model (GBs of weights per token) never is. The 512-token GEMM read its 33 MB
        // from a warm L3 at about 1.25x the speed it had with the copies past the L3.
        int copies = (int)Math.Clamp((CacheFlushBytes + encoding.BytesFor(n, k) - 1) / encoding.BytesFor(n, k), 1, 16);
        var weights = new List<LinearWeights>();
        int next = 0;
        DeviceBuffer<float>? x = null, y = null;
        return new KernelCase(name, KernelCosts.MatMul(tokens, n, k, encoding),
            c =>
            {
                float[] host = Random((long)n * k, 7);
                if (format == WeightFormat.Int4)
                {
                    var matrix = Int4Quantizer.Quantize(host, n, k, groupSize);
                    for (int i = 0; i < copies; i++) weights.Add(c.Own(Int4Weights.Upload(accelerator, matrix, Int4Layouts.PreferredFor(accelerator, k))));
                }
                else
                {
                    for (int i = 0; i < copies; i++) weights.Add(c.Own(LinearWeights.Upload(accelerator, host, n, k, format, groupSize)));
                }
                x = c.Floats((long)tokens * k, 8);
                y = c.Own(accelerator.Allocate<float>((long)tokens * n));
            },
            c => () =>
            {
                MistralKernels.MatMul(c.Accelerator, weights[next], x!, y!, tokens);
                next = (next + 1) % weights.Count;
            }, accelerator);
    }

    /// <summary>Bytes of weights a MatMul case cycles through, at least (up to 16 copies): twice a 260 MiB L3.</summary>
    public const long CacheFlushBytes = 512L << 20;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var item in owned) item.Dispose();
        owned.Clear();
    }
}
