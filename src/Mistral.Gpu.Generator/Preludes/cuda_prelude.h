// ---- Mistral.Gpu CUDA prelude -------------------------------------------------------------
// Self-contained: compiles with NVRTC (which provides the CUDA builtins) and with
// clang -x cuda -nocudainc -nocudalib (no CUDA headers), where the builtins are defined here
// from clang's NVVM intrinsics. Kernel code below uses only standard CUDA names.
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

#if !defined(__CUDACC_RTC__)
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))

struct uint3 { uint x, y, z; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(16))) uint4 { uint x, y, z, w; };
static __device__ __forceinline__ float4 make_float4(float x, float y, float z, float w) { float4 r; r.x = x; r.y = y; r.z = z; r.w = w; return r; }
static __device__ __forceinline__ uint4 make_uint4(uint x, uint y, uint z, uint w) { uint4 r; r.x = x; r.y = y; r.z = z; r.w = w; return r; }

// Index builtins: the special registers are pure reads, so unused components fold away.
static __device__ __forceinline__ uint3 mgpu_make_uint3(uint x, uint y, uint z) { uint3 r; r.x = x; r.y = y; r.z = z; return r; }
#define threadIdx mgpu_make_uint3(__nvvm_read_ptx_sreg_tid_x(), __nvvm_read_ptx_sreg_tid_y(), __nvvm_read_ptx_sreg_tid_z())
#define blockIdx mgpu_make_uint3(__nvvm_read_ptx_sreg_ctaid_x(), __nvvm_read_ptx_sreg_ctaid_y(), __nvvm_read_ptx_sreg_ctaid_z())
#define blockDim mgpu_make_uint3(__nvvm_read_ptx_sreg_ntid_x(), __nvvm_read_ptx_sreg_ntid_y(), __nvvm_read_ptx_sreg_ntid_z())
#define gridDim mgpu_make_uint3(__nvvm_read_ptx_sreg_nctaid_x(), __nvvm_read_ptx_sreg_nctaid_y(), __nvvm_read_ptx_sreg_nctaid_z())

// Bit casts.
static __device__ __forceinline__ float __int_as_float(int v) { union { int i; float f; } u; u.i = v; return u.f; }
static __device__ __forceinline__ float __uint_as_float(uint v) { union { uint i; float f; } u; u.i = v; return u.f; }
static __device__ __forceinline__ int __float_as_int(float v) { union { int i; float f; } u; u.f = v; return u.i; }
static __device__ __forceinline__ uint __float_as_uint(float v) { union { uint i; float f; } u; u.f = v; return u.i; }

// Math (approximate where NVRTC's fast-math would be; this path only proves the code compiles).
#define expf(x) __nvvm_ex2_approx_f((x) * 1.44269504f)
#define exp2f(x) __nvvm_ex2_approx_f(x)
#define logf(x) (__nvvm_lg2_approx_f(x) * 0.693147181f)
#define log2f(x) __nvvm_lg2_approx_f(x)
#define sqrtf(x) __nvvm_sqrt_rn_f(x)
#define rsqrtf(x) __nvvm_rsqrt_approx_f(x)
#define fmaf(a, b, c) __nvvm_fma_rn_f(a, b, c)
#define fmaxf(a, b) __nvvm_fmax_f(a, b)
#define fminf(a, b) __nvvm_fmin_f(a, b)
#define fabsf(x) __nvvm_fabs_f(x)
#define floorf(x) __nvvm_floor_f(x)
#define ceilf(x) __nvvm_ceil_f(x)
#define rintf(x) __nvvm_round_f(x)
#define sinf(x) __nvvm_sin_approx_f(x)
#define cosf(x) __nvvm_cos_approx_f(x)
#define powf(x, y) __nvvm_ex2_approx_f((y) * __nvvm_lg2_approx_f(x))
#define tanhf(x) (1.0f - 2.0f / (__nvvm_ex2_approx_f((x) * 2.88539008f) + 1.0f))
#define fmodf(x, y) ((x) - __nvvm_trunc_f((x) / (y)) * (y))
#define fmod(x, y) ((x) - __nvvm_trunc_d((x) / (y)) * (y))
static __device__ __forceinline__ int max(int a, int b) { return a > b ? a : b; }
static __device__ __forceinline__ int min(int a, int b) { return a < b ? a : b; }
static __device__ __forceinline__ uint max(uint a, uint b) { return a > b ? a : b; }
static __device__ __forceinline__ uint min(uint a, uint b) { return a < b ? a : b; }
static __device__ __forceinline__ int abs(int a) { return a < 0 ? -a : a; }

// A device-scope fence (membar.gl), as NVRTC's __threadfence.
static __device__ __forceinline__ void __threadfence() { __nvvm_membar_gl(); }

// Atomics on generic addresses (global or shared).
static __device__ __forceinline__ int atomicAdd(int* p, int v) { return __nvvm_atom_add_gen_i(p, v); }
static __device__ __forceinline__ uint atomicAdd(uint* p, uint v) { return (uint)__nvvm_atom_add_gen_i((int*)p, (int)v); }
static __device__ __forceinline__ float atomicAdd(float* p, float v) { return __nvvm_atom_add_gen_f(p, v); }
static __device__ __forceinline__ int atomicMax(int* p, int v) { return __nvvm_atom_max_gen_i(p, v); }
static __device__ __forceinline__ uint atomicMax(uint* p, uint v) { return __nvvm_atom_max_gen_ui(p, v); }
static __device__ __forceinline__ int atomicMin(int* p, int v) { return __nvvm_atom_min_gen_i(p, v); }
static __device__ __forceinline__ int atomicExch(int* p, int v) { return __nvvm_atom_xchg_gen_i(p, v); }
static __device__ __forceinline__ int atomicCAS(int* p, int compare, int v) { return __nvvm_atom_cas_gen_i(p, compare, v); }
static __device__ __forceinline__ uint atomicCAS(uint* p, uint compare, uint v) { return (uint)__nvvm_atom_cas_gen_i((int*)p, (int)compare, (int)v); }
#endif

static __device__ __forceinline__ int mgpu_linear_lane() { return (int)(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)); }

// Four unsigned-by-signed byte products added to c (sm_61+), the int8 dot product of int4 x int8 kernels.
static __device__ __forceinline__ int mgpu_dot4(uint a, uint b, int c) { int d; asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c)); return d; }
// Four signed-by-signed byte products added to c (sm_61+): __dp4a(int, int, int) without the CUDA headers.
static __device__ __forceinline__ int mgpu_dp4a(int a, int b, int c) { int d; asm("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c)); return d; }

// Float max has no hardware atomic: compare-and-swap until the stored value is not smaller.
static __device__ __forceinline__ float mgpu_atomic_max_f(float* p, float v)
{
    int seen = *(volatile int*)p;
    while (__int_as_float(seen) < v)
    {
        int old = atomicCAS((int*)p, seen, __float_as_int(v));
        if (old == seen) break;
        seen = old;
    }
    return __int_as_float(seen);
}

// Warp shuffles as inline PTX (shfl.sync needs PTX ISA 6.0; clang's builtins would demand a CUDA SDK).
static __device__ __forceinline__ uint mgpu_shfl_bfly(uint v, int m) { uint r; asm volatile("shfl.sync.bfly.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=r"(r) : "r"(v), "r"(m)); return r; }
static __device__ __forceinline__ uint mgpu_shfl_down(uint v, int d) { uint r; asm volatile("shfl.sync.down.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=r"(r) : "r"(v), "r"(d)); return r; }
static __device__ __forceinline__ uint mgpu_shfl_up(uint v, int d) { uint r; asm volatile("shfl.sync.up.b32 %0, %1, %2, 0x0, 0xffffffff;" : "=r"(r) : "r"(v), "r"(d)); return r; }
static __device__ __forceinline__ uint mgpu_shfl_idx(uint v, int s) { uint r; asm volatile("shfl.sync.idx.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=r"(r) : "r"(v), "r"(s)); return r; }
static __device__ __forceinline__ float mgpu_shfl_xor_f(float v, int m) { return __uint_as_float(mgpu_shfl_bfly(__float_as_uint(v), m)); }
static __device__ __forceinline__ int mgpu_shfl_xor_i(int v, int m) { return (int)mgpu_shfl_bfly((uint)v, m); }
static __device__ __forceinline__ uint mgpu_shfl_xor_u(uint v, int m) { return mgpu_shfl_bfly(v, m); }
static __device__ __forceinline__ float mgpu_shfl_down_f(float v, int d) { return __uint_as_float(mgpu_shfl_down(__float_as_uint(v), d)); }
static __device__ __forceinline__ int mgpu_shfl_down_i(int v, int d) { return (int)mgpu_shfl_down((uint)v, d); }
static __device__ __forceinline__ float mgpu_shfl_up_f(float v, int d) { return __uint_as_float(mgpu_shfl_up(__float_as_uint(v), d)); }
static __device__ __forceinline__ int mgpu_shfl_up_i(int v, int d) { return (int)mgpu_shfl_up((uint)v, d); }
static __device__ __forceinline__ float mgpu_shfl_idx_f(float v, int s) { return __uint_as_float(mgpu_shfl_idx(__float_as_uint(v), s)); }
static __device__ __forceinline__ int mgpu_shfl_idx_i(int v, int s) { return (int)mgpu_shfl_idx((uint)v, s); }

// Warp reductions in the butterfly order xor 16, 8, 4, 2, 1 shared by every backend (bit-identical sums).
static __device__ __forceinline__ float mgpu_warp_sum_f(float v) { for (int m = 16; m > 0; m >>= 1) v = v + mgpu_shfl_xor_f(v, m); return v; }
static __device__ __forceinline__ float mgpu_warp_max_f(float v) { for (int m = 16; m > 0; m >>= 1) v = fmaxf(v, mgpu_shfl_xor_f(v, m)); return v; }
static __device__ __forceinline__ float mgpu_warp_min_f(float v) { for (int m = 16; m > 0; m >>= 1) v = fminf(v, mgpu_shfl_xor_f(v, m)); return v; }
static __device__ __forceinline__ int mgpu_warp_sum_i(int v) { for (int m = 16; m > 0; m >>= 1) v = v + mgpu_shfl_xor_i(v, m); return v; }
static __device__ __forceinline__ int mgpu_warp_max_i(int v) { for (int m = 16; m > 0; m >>= 1) v = max(v, mgpu_shfl_xor_i(v, m)); return v; }
static __device__ __forceinline__ int mgpu_warp_min_i(int v) { for (int m = 16; m > 0; m >>= 1) v = min(v, mgpu_shfl_xor_i(v, m)); return v; }

// Half and bfloat16 live in memory as 16-bit words; conversions round to nearest even.
static __device__ __forceinline__ float mgpu_half_to_float(ushort h) { float f; asm("{ cvt.f32.f16 %0, %1; }" : "=f"(f) : "h"(h)); return f; }
static __device__ __forceinline__ ushort mgpu_float_to_half(float f) { ushort h; asm("{ cvt.rn.f16.f32 %0, %1; }" : "=h"(h) : "f"(f)); return h; }
static __device__ __forceinline__ uint mgpu_pack_halves(float lo, float hi) { return (uint)mgpu_float_to_half(lo) | ((uint)mgpu_float_to_half(hi) << 16); }
static __device__ __forceinline__ float mgpu_bf16_to_float(ushort b) { return __uint_as_float((uint)b << 16); }
static __device__ __forceinline__ ushort mgpu_float_to_bf16(float f)
{
    uint bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (ushort)((bits >> 16) | 0x40u);
    return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Mma.M16N8K16: D = A B + C on one 16 x 8 x 16 tile (fp16 in, fp32 accumulate), the fragments in PTX's layout for
// mma.m16n8k16 (g = lane / 4, t = lane % 4; src/Mistral.Gpu.Language/Mma.cs). Tensor cores from sm_80; before
// that the fragments are gathered with 32 shuffles and summed in k order, as every fallback does.
static __device__ __forceinline__ float mgpu_mma_dot2(uint a, uint b, float acc)
{
    float low = acc + mgpu_half_to_float((ushort)a) * mgpu_half_to_float((ushort)b);
    return low + mgpu_half_to_float((ushort)(a >> 16)) * mgpu_half_to_float((ushort)(b >> 16));
}
static __device__ __forceinline__ float4 mgpu_mma_m16n8k16(uint4 a, uint b0, uint b1, float4 c)
{
    float4 d;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};"
        : "=f"(d.x), "=f"(d.y), "=f"(d.z), "=f"(d.w)
        : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1), "f"(c.x), "f"(c.y), "f"(c.z), "f"(c.w));
#else
    int lane = mgpu_linear_lane() & 31;
    int row = lane & ~3, col = (lane & 3) * 8;
    d = c;
    for (int half = 0; half < 2; half++)
        for (int j = 0; j < 4; j++)
        {
            uint r = mgpu_shfl_idx(half == 0 ? a.x : a.z, row + j), s = mgpu_shfl_idx(half == 0 ? a.y : a.w, row + j);
            uint p = mgpu_shfl_idx(half == 0 ? b0 : b1, col + j), q = mgpu_shfl_idx(half == 0 ? b0 : b1, col + 4 + j);
            d.x = mgpu_mma_dot2(r, p, d.x);
            d.y = mgpu_mma_dot2(r, q, d.y);
            d.z = mgpu_mma_dot2(s, p, d.z);
            d.w = mgpu_mma_dot2(s, q, d.w);
        }
#endif
    return d;
}
// ---- end of prelude ------------------------------------------------------------------------
