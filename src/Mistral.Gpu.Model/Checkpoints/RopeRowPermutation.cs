namespace Mistral.Gpu.Model.Checkpoints;

/// <summary>
/// Undoes the row permutation Hugging Face's conversion applies to q_proj/k_proj so that rotate-half
/// RoPE (pairs i, i + head_dim/2) computes what interleaved RoPE (pairs 2i, 2i+1) computes on the
/// native rows. HF built its rows as <c>w.view(heads, head_dim/2, 2, in).transpose(1, 2)</c>, so within
/// each head HF row r (r &lt; head_dim/2) is native row 2r and HF row head_dim/2 + r is native row 2r + 1.
/// </summary>
public static class RopeRowPermutation
{
    /// <summary>The native row that HF row <paramref name="hfRow"/> of the same matrix holds.</summary>
    /// <param name="hfRow">Row index in the HF tensor.</param>
    /// <param name="headDim">Rows per head (even).</param>
    public static int NativeRowOfHuggingFaceRow(int hfRow, int headDim)
    {
        int half = headDim / 2;
        int head = hfRow / headDim, r = hfRow % headDim;
        return head * headDim + (r < half ? 2 * r : 2 * (r - half) + 1);
    }

    /// <summary>
    /// Copies the rows of an HF-ordered matrix <paramref name="hf"/> into native order in
    /// <paramref name="native"/>; <paramref name="rowLength"/> is in elements of <typeparamref name="T"/>.
    /// </summary>
    /// <typeparam name="T">Element type (bytes or floats).</typeparam>
    /// <param name="hf">Source in HF row order.</param>
    /// <param name="native">Destination in native row order, same size.</param>
    /// <param name="rowLength">Elements per row.</param>
    /// <param name="headDim">Rows per head (even).</param>
    public static void ToNative<T>(ReadOnlySpan<T> hf, Span<T> native, int rowLength, int headDim)
    {
        if (hf.Length != native.Length || rowLength <= 0 || hf.Length % rowLength != 0)
            throw new ArgumentException("source and destination must be the same whole number of rows");
        int rows = hf.Length / rowLength;
        if (headDim <= 0 || headDim % 2 != 0 || rows % headDim != 0)
            throw new ArgumentException($"{rows} rows are not a whole number of heads of even size {headDim}", nameof(headDim));
        for (int hfRow = 0; hfRow < rows; hfRow++)
        {
            int nativeRow = NativeRowOfHuggingFaceRow(hfRow, headDim);
            hf.Slice(hfRow * rowLength, rowLength).CopyTo(native.Slice(nativeRow * rowLength, rowLength));
        }
    }
}
