// ---- Mistral.Gpu OpenCL C 1.2 prelude ------------------------------------------------------
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

// Every function here and every [KernelHelper] is forced inline: PoCL 3.1 miscompiles helpers it
// leaves out of line when they query work-item ids (get_local_id) or hold a barrier, giving wrong or
// racy results between concurrently running groups.
#define MGPU_INLINE static inline __attribute__((always_inline))

// OpenCL 1.2 has no get_local_linear_id; warps are 32 consecutive linear ids, as on CUDA.
MGPU_INLINE int mgpu_linear_lane(void) { return (int)(get_local_id(0) + get_local_size(0) * (get_local_id(1) + get_local_size(1) * get_local_id(2))); }

// Half and bfloat16 live in memory as 16-bit words; conversions round to nearest even.
// Widening with integer operations rather than vload_half, which CPU compilers (PoCL) turn into a table
// lookup per element: finite values (subnormals included) are exact by a power-of-two scale, and an
// all-ones exponent stays infinity or NaN (payload kept).
MGPU_INLINE float mgpu_half_to_float(ushort h)
{
    uint sign = ((uint)h & 0x8000u) << 16;
    uint magnitude = (uint)h & 0x7fffu;
    return magnitude >= 0x7c00u ? as_float(sign | 0x7f800000u | ((magnitude & 0x3ffu) << 13))
                                : as_float(sign | (magnitude << 13)) * 0x1.0p112f;
}
MGPU_INLINE ushort mgpu_float_to_half(float f) { ushort h; vstore_half_rte(f, 0, (__private half*)&h); return h; }
MGPU_INLINE uint mgpu_pack_halves(float lo, float hi) { return (uint)mgpu_float_to_half(lo) | ((uint)mgpu_float_to_half(hi) << 16); }
MGPU_INLINE float mgpu_bf16_to_float(ushort b) { return as_float((uint)b << 16); }
MGPU_INLINE ushort mgpu_float_to_bf16(float f)
{
    uint bits = as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (ushort)((bits >> 16) | 0x40u);
    return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// CUDA's dp4a.u32.s32: four unsigned-by-signed byte products added to c (byte 0 = lowest bits).
MGPU_INLINE int mgpu_dot4(uint a, uint b, int c)
{
    uchar4 u = as_uchar4(a);
    char4 s = as_char4(b);
    return c + (int)u.x * (int)s.x + (int)u.y * (int)s.y + (int)u.z * (int)s.z + (int)u.w * (int)s.w;
}

// CUDA's dp4a.s32.s32: four signed-by-signed byte products added to c (byte 0 = lowest bits).
MGPU_INLINE int mgpu_dp4a(int a, int b, int c)
{
    char4 p = as_char4(a);
    char4 q = as_char4(b);
    return c + (int)p.x * (int)q.x + (int)p.y * (int)q.y + (int)p.z * (int)q.z + (int)p.w * (int)q.w;
}

// Float atomics by compare-and-swap, one per address space (OpenCL C 1.2 has no overloading).
#define MGPU_FLOAT_ATOMICS(SPACE, NAME)                                                          \
MGPU_INLINE float mgpu_atomic_add_f_##NAME(volatile SPACE float* p, float v)                   \
{                                                                                                \
    volatile SPACE uint* u = (volatile SPACE uint*)p;                                            \
    uint seen = *u;                                                                              \
    while (1)                                                                                    \
    {                                                                                            \
        uint old = atomic_cmpxchg(u, seen, as_uint(as_float(seen) + v));                         \
        if (old == seen) return as_float(seen);                                                  \
        seen = old;                                                                              \
    }                                                                                            \
}                                                                                                \
MGPU_INLINE float mgpu_atomic_max_f_##NAME(volatile SPACE float* p, float v)                   \
{                                                                                                \
    volatile SPACE uint* u = (volatile SPACE uint*)p;                                            \
    uint seen = *u;                                                                              \
    while (as_float(seen) < v)                                                                   \
    {                                                                                            \
        uint old = atomic_cmpxchg(u, seen, as_uint(v));                                          \
        if (old == seen) break;                                                                  \
        seen = old;                                                                              \
    }                                                                                            \
    return as_float(seen);                                                                       \
}
MGPU_FLOAT_ATOMICS(__global, global)
MGPU_FLOAT_ATOMICS(__local, local)

// Warp collectives, emulated through a per-group scratch array the kernel declares
// (__local uint mgpu_xchg[1024]). The kernel body itself publishes each lane's operand between two
// barriers (barrier; mgpu_xchg[lane] = bits; barrier) and then calls one of these readers, which never
// synchronise: two barriers per collective, and none inside a function. Every lane of the group must
// reach them, as on CUDA.
MGPU_INLINE int mgpu_lane_xor(int m) { int self = mgpu_linear_lane(); return (self & ~31) | ((self ^ m) & 31); }
MGPU_INLINE int mgpu_lane_down(int d) { int self = mgpu_linear_lane(); int s = (self & 31) + d; return s < 32 && d >= 0 ? (self & ~31) + s : self; }
MGPU_INLINE int mgpu_lane_up(int d) { int self = mgpu_linear_lane(); int s = (self & 31) - d; return s >= 0 && d >= 0 ? (self & ~31) + s : self; }
MGPU_INLINE int mgpu_lane_idx(int s) { return (mgpu_linear_lane() & ~31) + (s & 31); }
MGPU_INLINE float mgpu_shfl_xor_f(__local const uint* x, int m) { return as_float(x[mgpu_lane_xor(m)]); }
MGPU_INLINE int mgpu_shfl_xor_i(__local const uint* x, int m) { return (int)x[mgpu_lane_xor(m)]; }
MGPU_INLINE uint mgpu_shfl_xor_u(__local const uint* x, int m) { return x[mgpu_lane_xor(m)]; }
MGPU_INLINE float mgpu_shfl_down_f(__local const uint* x, int d) { return as_float(x[mgpu_lane_down(d)]); }
MGPU_INLINE int mgpu_shfl_down_i(__local const uint* x, int d) { return (int)x[mgpu_lane_down(d)]; }
MGPU_INLINE float mgpu_shfl_up_f(__local const uint* x, int d) { return as_float(x[mgpu_lane_up(d)]); }
MGPU_INLINE int mgpu_shfl_up_i(__local const uint* x, int d) { return (int)x[mgpu_lane_up(d)]; }
MGPU_INLINE float mgpu_shfl_idx_f(__local const uint* x, int s) { return as_float(x[mgpu_lane_idx(s)]); }
MGPU_INLINE int mgpu_shfl_idx_i(__local const uint* x, int s) { return (int)x[mgpu_lane_idx(s)]; }

// Warp reductions bit-identical to CUDA's butterfly (xor 16, 8, 4, 2, 1): each butterfly step combines
// a pair of lanes with a commutative operation, so after it both lanes hold the same value and the
// result equals this tree over the warp's 32 published operands, the same in every lane.
#define MGPU_WARP_REDUCE(NAME, T, LOAD, OP)                                                      \
MGPU_INLINE T NAME(__local const uint* x)                                                      \
{                                                                                                \
    const __local uint* w = x + (mgpu_linear_lane() & ~31);                                      \
    T v[16];                                                                                     \
    for (int i = 0; i < 16; i++) v[i] = OP(LOAD(w[i]), LOAD(w[i + 16]));                         \
    for (int m = 8; m > 0; m >>= 1)                                                              \
        for (int i = 0; i < m; i++) v[i] = OP(v[i], v[i + m]);                                   \
    return v[0];                                                                                 \
}
#define MGPU_ADD(a, b) ((a) + (b))
MGPU_WARP_REDUCE(mgpu_warp_sum_f, float, as_float, MGPU_ADD)
MGPU_WARP_REDUCE(mgpu_warp_max_f, float, as_float, fmax)
MGPU_WARP_REDUCE(mgpu_warp_min_f, float, as_float, fmin)
MGPU_WARP_REDUCE(mgpu_warp_sum_i, int, (int), MGPU_ADD)
MGPU_WARP_REDUCE(mgpu_warp_max_i, int, (int), max)
MGPU_WARP_REDUCE(mgpu_warp_min_i, int, (int), min)

// Mma.M16N8K16 without tensor cores: D = A B + C on one 16 x 8 x 16 tile, the fragments in PTX's layout for
// mma.m16n8k16 (g = lane / 4, t = lane % 4; src/Mistral.Gpu.Language/Mma.cs). The lane's six words (a.x..a.w, b0, b1)
// go through the warp scratch one at a time; unlike the readers above this function holds the barriers itself (six
// publishes for one call would crowd the kernel body). Then each lane sums its four outputs in k order (Mma.Dot16):
// exact products of halves, fp32 additions, the same bits as the CPU backends.
MGPU_INLINE float mgpu_mma_dot2(uint a, uint b, float acc)
{
    float low = acc + mgpu_half_to_float((ushort)a) * mgpu_half_to_float((ushort)b);
    return low + mgpu_half_to_float((ushort)(a >> 16)) * mgpu_half_to_float((ushort)(b >> 16));
}
MGPU_INLINE float4 mgpu_mma_m16n8k16(__local uint* x, uint4 a, uint b0, uint b1, float4 c)
{
    int self = mgpu_linear_lane();
    int row = self & ~3;                        // lanes 4g..4g+3: rows g and g + 8 of A
    int col = (self & ~31) + (self & 3) * 8;    // lanes 8t..8t+7: columns 2t and 2t + 1 of B
    uint words[6] = { a.x, a.y, a.z, a.w, b0, b1 };
    uint r[8], s[8], p[8], q[8];                // k in order: rows g and g + 8, columns 2t and 2t + 1
    for (int w = 0; w < 6; w++)
    {
        barrier(CLK_LOCAL_MEM_FENCE);
        x[self] = words[w];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int j = 0; j < 4; j++)
        {
            if (w == 0) r[j] = x[row + j];
            else if (w == 1) s[j] = x[row + j];
            else if (w == 2) r[4 + j] = x[row + j];
            else if (w == 3) s[4 + j] = x[row + j];
            else { p[4 * (w - 4) + j] = x[col + j]; q[4 * (w - 4) + j] = x[col + 4 + j]; }
        }
    }
    float4 d = c;
    for (int i = 0; i < 8; i++)
    {
        d.x = mgpu_mma_dot2(r[i], p[i], d.x);
        d.y = mgpu_mma_dot2(r[i], q[i], d.y);
        d.z = mgpu_mma_dot2(s[i], p[i], d.z);
        d.w = mgpu_mma_dot2(s[i], q[i], d.w);
    }
    return d;
}
// ---- end of prelude ------------------------------------------------------------------------
