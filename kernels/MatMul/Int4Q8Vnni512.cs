// The interleaved GEMM's tile on 512-bit vpdpbusd (AVX512-VNNI), assembled at run time (see ExecutableCode for why):
// rows of group-interleaved int4 weights, two at a time, against four tokens over a K slice. A 64-byte load is word i of the
// chunk's sixteen groups; its low and high nibbles meet a token's matching activation bytes in vpdpbusd that add
// straight into one int32 lane per group. Per 128 weights and token that is two instructions, where AVX-512BW needs
// four multiplies and two adds (Int4Q8Interleaved.Tile512).
//
// Why two rows: with one row, every vpdpbusd takes its own 64-byte activation load, and Zen 4 loads one 512-bit
// vector a cycle, so loads (45 a chunk for 32 vpdpbusd) bounded the one-row tile at the speed of Tile512. Two rows
// share each activation load: 50 loads for 64 vpdpbusd. Eight accumulators (2 rows x 4 tokens) each take eight
// vpdpbusd a chunk, one every eight cycles, past vpdpbusd's latency of four to five.
//
// Per chunk (512 weights), row and token: the group accumulator starts from the token's biases -8 * sum(q) (in the
// chunk's token block, beside its activation scales), takes eight vpdpbusd, then one convert and one multiply-add by
// weight scale x activation scale. After the slice each row's four sets of sixteen partial sums are added up in the
// code (halves, then three horizontal adds) and stored as the row's four dot products, so one call runs a whole
// group of rows (against a call per pair and the sums in C#, the 512-token GEMM measured the same, within the noise).
//
// Exactness: each group's integer dot is the lanes' exactly; only the float sum over groups rounds, in another order.
using System.Runtime.InteropServices;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Mistral.Gpu.Kernels;

/// <summary>The assembled four-token tile of the group-interleaved int4 x int8 GEMM on 512-bit vpdpbusd.</summary>
internal static unsafe class Int4Q8Vnni512
{
    /// <summary>Bytes of one chunk's token block: per token 16 int32 biases, then 16 fp32 activation scales.</summary>
    public const int TokenBlockBytes = 4 * 2 * 64;

    /// <summary>The tile's inputs, read (and the row fields advanced) by the assembled code at fixed offsets: keep the field order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Arguments
    {
        /// <summary>The first row's slice of group-interleaved weights, 256 bytes per chunk.</summary>
        public byte* Weights;

        /// <summary>The first row's fp32 group scales of the slice, 16 per chunk.</summary>
        public float* Scales;

        /// <summary>The four tokens' int8 activations of the slice (in the interleaved order), 512 bytes per chunk.</summary>
        public byte* X0, X1, X2, X3;

        /// <summary>The slice's token blocks, <see cref="TokenBlockBytes"/> per chunk.</summary>
        public byte* Tokens;

        /// <summary>Chunks of 512 weights in the slice.</summary>
        public long Chunks;

        /// <summary>Bytes from one row's weights to the next's (0 runs one row twice).</summary>
        public long WeightStride;

        /// <summary>Bytes from one row's scales to the next's.</summary>
        public long ScaleStride;

        /// <summary>Row pairs to run (at least one).</summary>
        public long Pairs;

        /// <summary>Where the rows' four dot products go, one row after the other (8 floats a pair).</summary>
        public float* Sums;
    }

    /// <summary>
    /// Whether this process runs the tile: <see cref="ExecutableCode.HasAvx512Vnni"/>, and the OS let its pages become
    /// executable (a policy that forbids that, such as SELinux's deny_execmem, leaves the GEMM on AVX-512BW).
    /// </summary>
    public static bool IsSupported => Code.Value is not null;

    // Assembled on first use and kept for the process's life: one page, shared by every accelerator.
    private static readonly Lazy<ExecutableCode?> Code = new(() => ExecutableCode.TryAssemble(Build));

    /// <summary>Runs the tile on <paramref name="arguments"/> (only where <see cref="IsSupported"/>).</summary>
    public static void Tile(Arguments* arguments) => ((delegate* unmanaged<Arguments*, void>)Code.Value!.Entry)(arguments);

    private static Assembler Build()
    {
        var a = new Assembler(64);
        AssemblerRegister64[] saved = [rbx, rsi, rdi, r12, r13, r14, r15];
        foreach (var r in saved) a.push(r);
        var args = rbx;
        a.mov(args, ExecutableCode.Argument);
        var (w0, w1, s0, s1, tokens, j, end, output) = (r8, r9, r10, r11, rsi, rax, rdx, rdi);
        AssemblerRegister64[] x = [r12, r13, r14, r15];
        a.mov(w0, __qword_ptr[args]);
        a.mov(s0, __qword_ptr[args + 8]);
        for (int t = 0; t < 4; t++) a.mov(x[t], __qword_ptr[args + 16 + 8 * t]);
        a.mov(tokens, __qword_ptr[args + 48]);
        a.mov(output, __qword_ptr[args + 88]);

        // zmm0-5 and zmm16-31 only (see ExecutableCode): 22 registers, each named once here.
        var low = zmm0;
        AssemblerRegisterZMM[][] f = [[zmm1, zmm2, zmm3, zmm4], [zmm5, zmm16, zmm17, zmm18]];
        AssemblerRegisterYMM[][] fHalves = [[ymm1, ymm2, ymm3, ymm4], [ymm5, ymm16, ymm17, ymm18]];
        AssemblerRegisterZMM[][] sums = [[zmm19, zmm20, zmm21, zmm22], [zmm23, zmm24, zmm25, zmm26]];
        AssemblerRegisterZMM[] lo = [zmm27, zmm29], hi = [zmm28, zmm30];
        var activations = zmm31;
        // At a chunk's end the nibbles and activations are dead: their registers take the scales and products.
        AssemblerRegisterZMM[] rowScales = [zmm27, zmm28], products = [zmm30, zmm31];
        var tokenScales = zmm29;

        a.mov(ecx, 0x0F0F0F0F);
        a.vpbroadcastd(low, ecx);
        var pair = a.CreateLabel();
        var loop = a.CreateLabel();
        var done = a.CreateLabel();
        a.Label(ref pair);
        a.mov(w1, w0);
        a.add(w1, __qword_ptr[args + 64]);
        a.mov(s1, s0);
        a.add(s1, __qword_ptr[args + 72]);
        a.mov(end, __qword_ptr[args + 56]);
        a.shl(end, 6);
        foreach (var row in f)
            foreach (var acc in row) a.vpxord(acc, acc, acc);
        a.xor(j, j);
        a.test(end, end);
        a.jz(done);
        a.Label(ref loop);
        // j = 64 * chunk: weights advance 256 bytes a chunk (j * 4), activations and token blocks 512 (j * 8), scales 64.
        for (int t = 0; t < 4; t++)
        {
            a.vmovdqu32(sums[0][t], __zmmword_ptr[tokens + j * 8 + 128 * t]);
            a.vmovdqa32(sums[1][t], sums[0][t]);
        }
        AssemblerRegister64[] w = [w0, w1];
        for (int i = 0; i < 4; i++)
        {
            for (int r = 0; r < 2; r++)
            {
                a.vmovdqu8(lo[r], __zmmword_ptr[w[r] + j * 4 + 64 * i]);
                a.vpsrlw(hi[r], lo[r], 4);
                a.vpandd(lo[r], lo[r], low);
                a.vpandd(hi[r], hi[r], low);
            }
            for (int t = 0; t < 4; t++)
            {
                a.vmovdqu8(activations, __zmmword_ptr[x[t] + j * 8 + 128 * i]);
                a.vpdpbusd(sums[0][t], lo[0], activations);
                a.vpdpbusd(sums[1][t], lo[1], activations);
                a.vmovdqu8(activations, __zmmword_ptr[x[t] + j * 8 + 128 * i + 64]);
                a.vpdpbusd(sums[0][t], hi[0], activations);
                a.vpdpbusd(sums[1][t], hi[1], activations);
            }
        }
        a.vmovups(rowScales[0], __zmmword_ptr[s0 + j]);
        a.vmovups(rowScales[1], __zmmword_ptr[s1 + j]);
        for (int t = 0; t < 4; t++)
        {
            a.vmovups(tokenScales, __zmmword_ptr[tokens + j * 8 + 128 * t + 64]);
            for (int r = 0; r < 2; r++)
            {
                a.vcvtdq2ps(sums[r][t], sums[r][t]);
                a.vmulps(products[r], rowScales[r], tokenScales);
                a.vfmadd231ps(f[r][t], sums[r][t], products[r]);
            }
        }
        a.add(j, 64);
        a.cmp(j, end);
        a.jb(loop);
        a.Label(ref done);
        // Each row's four totals: upper halves onto lower ones into ymm1-4 (VEX vhaddps reaches ymm0-15 only), then
        // three horizontal adds and one of the two 128-bit halves.
        for (int r = 0; r < 2; r++)
        {
            // The EVEX form of vaddps, which reaches ymm16-31.
            a.PreferVex = false;
            for (int t = 0; t < 4; t++)
            {
                a.vextractf64x4(ymm27, f[r][t], 1);
                a.vaddps(fHalves[0][t], fHalves[r][t], ymm27);
            }
            a.PreferVex = true;
            a.vhaddps(ymm1, ymm1, ymm2);
            a.vhaddps(ymm3, ymm3, ymm4);
            a.vhaddps(ymm1, ymm1, ymm3);
            a.vextractf128(xmm2, ymm1, 1);
            a.vaddps(xmm1, xmm1, xmm2);
            a.vmovups(__xmmword_ptr[output + 16 * r], xmm1);
        }
        a.add(output, 32);
        // The next pair: its first row follows this pair's second.
        a.mov(w0, w1);
        a.add(w0, __qword_ptr[args + 64]);
        a.mov(s0, s1);
        a.add(s0, __qword_ptr[args + 72]);
        a.dec(__qword_ptr[args + 80]);
        a.jnz(pair);
        a.vzeroupper();
        for (int i = saved.Length - 1; i >= 0; i--) a.pop(saved[i]);
        a.ret();
        return a;
    }
}
