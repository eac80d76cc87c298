namespace Mistral.Gpu.Model.Tokenization;

/// <summary>
/// Score-driven BPE as sentencepiece runs it: start from single characters, then repeatedly merge
/// the adjacent pair whose concatenation is a vocabulary piece with the highest score, the leftmost
/// pair winning ties. A priority queue with lazy invalidation keeps it O(n log n) rather than
/// rescanning every pair after each merge, which matters for long chat prompts.
/// </summary>
internal static class BpeMerger
{
    /// <summary>Merges <paramref name="symbols"/> in place order; <paramref name="scoreOf"/> returns null for non-mergeable text.</summary>
    public static List<string> Merge(IReadOnlyList<string> symbols, Func<string, float?> scoreOf)
    {
        int n = symbols.Count;
        var text = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        // Priority: higher score first, then smaller left index (leftmost). PriorityQueue is a min-heap.
        var queue = new PriorityQueue<(int Left, int Right, string Merged), (float NegScore, int Left)>();
        void Consider(int left)
        {
            if (left < 0 || next[left] < 0)
                return;
            int right = next[left];
            string merged = text[left] + text[right];
            if (scoreOf(merged) is { } score)
                queue.Enqueue((left, right, merged), (-score, left));
        }

        for (int i = 0; i + 1 < n; i++)
            Consider(i);

        while (queue.TryDequeue(out var pair, out _))
        {
            // Entries go stale when a neighbour merged after they were queued; skip those.
            if (text[pair.Left] is null || text[pair.Right] is null || next[pair.Left] != pair.Right
                || text[pair.Left].Length + text[pair.Right].Length != pair.Merged.Length)
                continue;
            text[pair.Left] = pair.Merged;
            text[pair.Right] = null!;
            next[pair.Left] = next[pair.Right];
            if (next[pair.Left] >= 0)
                prev[next[pair.Left]] = pair.Left;
            Consider(prev[pair.Left]);
            Consider(pair.Left);
        }

        var result = new List<string>();
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i])
            result.Add(text[i]);
        return result;
    }
}
