// ---- Mistral.Gpu OpenCL C 1.2 prelude ------------------------------------------------------
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

// OpenCL 1.2 has no get_local_linear_id; warps are 32 consecutive linear ids, as on CUDA.
static inline int mgpu_linear_lane(void) { return (int)(get_local_id(0) + get_local_size(0) * (get_local_id(1) + get_local_size(1) * get_local_id(2))); }

// Half and bfloat16 live in memory as 16-bit words; conversions round to nearest even.
static inline float mgpu_half_to_float(ushort h) { return vload_half(0, (const __private half*)&h); }
static inline ushort mgpu_float_to_half(float f) { ushort h; vstore_half_rte(f, 0, (__private half*)&h); return h; }
static inline float mgpu_bf16_to_float(ushort b) { return as_float((uint)b << 16); }
static inline ushort mgpu_float_to_bf16(float f)
{
    uint bits = as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (ushort)((bits >> 16) | 0x40u);
    return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Float atomics by compare-and-swap, one per address space (OpenCL C 1.2 has no overloading).
#define MGPU_FLOAT_ATOMICS(SPACE, NAME)                                                          \
static inline float mgpu_atomic_add_f_##NAME(volatile SPACE float* p, float v)                   \
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
static inline float mgpu_atomic_max_f_##NAME(volatile SPACE float* p, float v)                   \
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
// (__local uint mgpu_xchg[1024]): every lane publishes its value between two barriers, then reads
// its partner's. Every lane of the group must call them, as on CUDA.
static inline uint mgpu_exchange(__local uint* x, uint v, int source)
{
    int self = mgpu_linear_lane();
    barrier(CLK_LOCAL_MEM_FENCE);
    x[self] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    return x[source];
}
static inline int mgpu_lane_xor(int m) { int self = mgpu_linear_lane(); return (self & ~31) | ((self ^ m) & 31); }
static inline int mgpu_lane_down(int d) { int self = mgpu_linear_lane(); int s = (self & 31) + d; return s < 32 && d >= 0 ? (self & ~31) + s : self; }
static inline int mgpu_lane_up(int d) { int self = mgpu_linear_lane(); int s = (self & 31) - d; return s >= 0 && d >= 0 ? (self & ~31) + s : self; }
static inline int mgpu_lane_idx(int s) { return (mgpu_linear_lane() & ~31) + (s & 31); }
static inline float mgpu_shfl_xor_f(__local uint* x, float v, int m) { return as_float(mgpu_exchange(x, as_uint(v), mgpu_lane_xor(m))); }
static inline int mgpu_shfl_xor_i(__local uint* x, int v, int m) { return (int)mgpu_exchange(x, (uint)v, mgpu_lane_xor(m)); }
static inline uint mgpu_shfl_xor_u(__local uint* x, uint v, int m) { return mgpu_exchange(x, v, mgpu_lane_xor(m)); }
static inline float mgpu_shfl_down_f(__local uint* x, float v, int d) { return as_float(mgpu_exchange(x, as_uint(v), mgpu_lane_down(d))); }
static inline int mgpu_shfl_down_i(__local uint* x, int v, int d) { return (int)mgpu_exchange(x, (uint)v, mgpu_lane_down(d)); }
static inline float mgpu_shfl_up_f(__local uint* x, float v, int d) { return as_float(mgpu_exchange(x, as_uint(v), mgpu_lane_up(d))); }
static inline int mgpu_shfl_up_i(__local uint* x, int v, int d) { return (int)mgpu_exchange(x, (uint)v, mgpu_lane_up(d)); }
static inline float mgpu_shfl_idx_f(__local uint* x, float v, int s) { return as_float(mgpu_exchange(x, as_uint(v), mgpu_lane_idx(s))); }
static inline int mgpu_shfl_idx_i(__local uint* x, int v, int s) { return (int)mgpu_exchange(x, (uint)v, mgpu_lane_idx(s)); }

// Warp reductions in the butterfly order xor 16, 8, 4, 2, 1 shared by every backend (bit-identical sums).
static inline float mgpu_warp_sum_f(__local uint* x, float v) { for (int m = 16; m > 0; m >>= 1) v = v + mgpu_shfl_xor_f(x, v, m); return v; }
static inline float mgpu_warp_max_f(__local uint* x, float v) { for (int m = 16; m > 0; m >>= 1) v = fmax(v, mgpu_shfl_xor_f(x, v, m)); return v; }
static inline float mgpu_warp_min_f(__local uint* x, float v) { for (int m = 16; m > 0; m >>= 1) v = fmin(v, mgpu_shfl_xor_f(x, v, m)); return v; }
static inline int mgpu_warp_sum_i(__local uint* x, int v) { for (int m = 16; m > 0; m >>= 1) v = v + mgpu_shfl_xor_i(x, v, m); return v; }
static inline int mgpu_warp_max_i(__local uint* x, int v) { for (int m = 16; m > 0; m >>= 1) v = max(v, mgpu_shfl_xor_i(x, v, m)); return v; }
static inline int mgpu_warp_min_i(__local uint* x, int v) { for (int m = 16; m > 0; m >>= 1) v = min(v, mgpu_shfl_xor_i(x, v, m)); return v; }
// ---- end of prelude ------------------------------------------------------------------------
