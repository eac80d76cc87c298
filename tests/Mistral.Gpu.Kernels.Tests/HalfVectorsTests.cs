using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace Mistral.Gpu.Kernels.Tests;

/// <summary>
/// The CPU bodies' fp16 widening against .NET's own conversion, for every one of the 65536 halves (NaNs as NaNs): the
/// register forms at 512, 256 and 128 bits and, where the CPU has the instructions, the sign-extending loads from memory.
/// </summary>
public sealed class HalfVectorsTests
{
    [Fact]
    public unsafe void Every_half_widens_exactly_at_every_width()
    {
        for (uint h = 0; h < 65536; h += 16)
        {
            var bits = Vector512.Create(h) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var wide = HalfVectors.ToSingle(bits);
            var mid = Vector512.Create(HalfVectors.ToSingle(bits.GetLower()), HalfVectors.ToSingle(bits.GetUpper()));
            var narrow = Vector512.Create(Vector256.Create(HalfVectors.ToSingle(bits.GetLower().GetLower()), HalfVectors.ToSingle(bits.GetLower().GetUpper())),
                Vector256.Create(HalfVectors.ToSingle(bits.GetUpper().GetLower()), HalfVectors.ToSingle(bits.GetUpper().GetUpper())));
            var widths = new List<Vector512<float>> { wide, mid, narrow };
            var halves = new ushort[16];
            for (int i = 0; i < 16; i++) halves[i] = (ushort)(h + i);
            fixed (ushort* at = halves)
            {
                if (Avx512F.IsSupported) widths.Add(HalfVectors.Load16(at));
                if (Avx2.IsSupported) widths.Add(Vector512.Create(HalfVectors.Load8(at), HalfVectors.Load8(at + 8)));
            }
            for (int i = 0; i < 16; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(h + i));
                foreach (var actual in widths.Select(w => w[i]))
                {
                    if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"half 0x{h + i:X4}: {actual}");
                    else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
                }
            }
        }
    }
}
