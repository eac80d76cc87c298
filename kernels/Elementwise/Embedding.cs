// Token embedding lookup:
//     out[t, :] = table[id_t, :]   if 0 <= id_t < vocab,   else 0
// An out-of-range id never reads outside the table: its row is written as zeros, so a bad token id
// shows up as a zero hidden state instead of memory corruption. Groups tile the row (x) per token (y);
// 128-bit copies when dim % 4 == 0 and the views are 16-byte aligned.
using ILGPU;
using ILGPU.Runtime;
using Mistral.Gpu.Language;
using Group = ILGPU.Group;

namespace Mistral.Gpu.Kernels;

/// <summary>The embedding-lookup kernel.</summary>
public static partial class EmbeddingKernels
{
    /// <summary>Lanes per group.</summary>
    public const int GroupLanes = 256;

    [Kernel]
    static void Embedding(ArrayView<float> table, ArrayView<int> tokens, ArrayView<float> output,
        int dim, int vocab, [Specialize(1, 4)] SpecializedValue<int> vectorWidth)
    {
        int t = Grid.IdxY;
        int j = Grid.IdxX * Group.DimX + Group.IdxX;
        int id = tokens[t];
        bool valid = id >= 0 && id < vocab;
        if (vectorWidth == 4)
        {
            int vectors = dim / 4;
            if (j < vectors)
            {
                if (valid) output.StoreFloat4(t * vectors + j, table.LoadFloat4(id * vectors + j));
                else output.StoreFloat4(t * vectors + j, new Float4(0f, 0f, 0f, 0f));
            }
        }
        else
        {
            if (j < dim)
            {
                if (valid) output[t * dim + j] = table[id * dim + j];
                else output[t * dim + j] = 0f;
            }
        }
    }
}
