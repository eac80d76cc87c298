using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Model.Tests;

public class RopeRowPermutationTests
{
    /// <summary>HF's permutation, written out as the README states it: view(heads, hd/2, 2, in).transpose(1, 2).</summary>
    private static int[] HfRowsFromNative(int heads, int headDim)
    {
        var hfToNative = new int[heads * headDim];
        for (int h = 0; h < heads; h++)
            for (int pair = 0; pair < headDim / 2; pair++)
                for (int j = 0; j < 2; j++)
                    hfToNative[h * headDim + j * (headDim / 2) + pair] = h * headDim + pair * 2 + j;
        return hfToNative;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 16)]
    [InlineData(2, 128)]
    public void Undoes_the_hugging_face_permutation(int heads, int headDim)
    {
        int[] hfToNative = HfRowsFromNative(heads, headDim);
        for (int r = 0; r < hfToNative.Length; r++)
            Assert.Equal(hfToNative[r], RopeRowPermutation.NativeRowOfHuggingFaceRow(r, headDim));

        const int rowLength = 3;
        float[] native = Enumerable.Range(0, heads * headDim * rowLength).Select(i => (float)i).ToArray();
        var hf = new float[native.Length];
        for (int r = 0; r < hfToNative.Length; r++)
            native.AsSpan(hfToNative[r] * rowLength, rowLength).CopyTo(hf.AsSpan(r * rowLength));
        var back = new float[native.Length];
        RopeRowPermutation.ToNative<float>(hf, back, rowLength, headDim);
        Assert.Equal(native, back);
    }
}
