// The integer-dot probe's chains on 512-bit vpdpbusd (AVX512-VNNI), assembled at run time as the prefill GEMM's tile
// is (Int4Q8Vnni512; ExecutableCode says why): two registers' lanes, sixteen chains d_j <- vpdpbusd(d_j, d_j, b),
// each step's b a memory operand as in the C# chains, so the time is the multiply-add pipes' and nothing else.
using System.Runtime.InteropServices;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Mistral.Gpu.Kernels;

/// <summary>The integer-dot throughput probe's 32 lanes (sixteen chains each of two registers) on 512-bit vpdpbusd.</summary>
internal static unsafe class IntegerDotVnni512
{
    /// <summary>The chains' inputs, read by the assembled code at fixed offsets (keep the field order).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Arguments
    {
        /// <summary>The 32 lanes' starting values of chain 0 (chain j starts at that plus j).</summary>
        public int* Start;

        /// <summary>The 32 lanes' signed bytes b.</summary>
        public int* Bytes;

        /// <summary>Steps per chain.</summary>
        public long Iterations;

        /// <summary>Where the 32 lanes' sums of their eight chains go.</summary>
        public int* Result;
    }

    private static readonly Lazy<ExecutableCode?> Code = new(() => ExecutableCode.TryAssemble(Build));

    /// <summary>
    /// Lanes <paramref name="start"/>[0..31] (each lane's chain 0; chain j starts at that plus j) against their bytes
    /// <paramref name="bytes"/>[0..31] for <paramref name="iterations"/> steps; each lane's eight chains summed into <paramref name="result"/>.
    /// </summary>
    public static void Chains(int* start, int* bytes, int iterations, int* result)
    {
        var arguments = new Arguments { Start = start, Bytes = bytes, Iterations = iterations, Result = result };
        ((delegate* unmanaged<Arguments*, void>)Code.Value!.Entry)(&arguments);
    }

    private static Assembler Build()
    {
        var a = new Assembler(64);
        a.push(rbx);
        a.mov(rbx, ExecutableCode.Argument);
        var (start, bytes, steps, result) = (r8, r9, r10, r11);
        a.mov(start, __qword_ptr[rbx]);
        a.mov(bytes, __qword_ptr[rbx + 8]);
        a.mov(steps, __qword_ptr[rbx + 16]);
        a.mov(result, __qword_ptr[rbx + 24]);
        AssemblerRegisterZMM[] d = [zmm16, zmm17, zmm18, zmm19, zmm20, zmm21, zmm22, zmm23];
        AssemblerRegisterZMM[] e = [zmm24, zmm25, zmm26, zmm27, zmm28, zmm29, zmm30, zmm31];
        a.vmovdqu32(d[0], __zmmword_ptr[start]);
        a.vmovdqu32(e[0], __zmmword_ptr[start + 64]);
        for (int j = 1; j < 8; j++)
        {
            a.mov(eax, j);
            a.vpbroadcastd(zmm1, eax);
            a.vpaddd(d[j], d[0], zmm1);
            a.vpaddd(e[j], e[0], zmm1);
        }
        var loop = a.CreateLabel();
        var done = a.CreateLabel();
        a.test(steps, steps);
        a.jle(done);
        a.Label(ref loop);
        foreach (var chain in d) a.vpdpbusd(chain, chain, __zmmword_ptr[bytes]);
        foreach (var chain in e) a.vpdpbusd(chain, chain, __zmmword_ptr[bytes + 64]);
        a.dec(steps);
        a.jnz(loop);
        a.Label(ref done);
        foreach (var chains in new[] { d, e })
        {
            for (int j = 0; j < 8; j += 2) a.vpaddd(chains[j], chains[j], chains[j + 1]);
            a.vpaddd(chains[0], chains[0], chains[2]);
            a.vpaddd(chains[4], chains[4], chains[6]);
            a.vpaddd(chains[0], chains[0], chains[4]);
        }
        a.vmovdqu32(__zmmword_ptr[result], d[0]);
        a.vmovdqu32(__zmmword_ptr[result + 64], e[0]);
        a.vzeroupper();
        a.pop(rbx);
        a.ret();
        return a;
    }
}
