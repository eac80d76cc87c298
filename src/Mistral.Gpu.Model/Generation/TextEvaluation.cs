using Mistral.Gpu.Model.Runner;

namespace Mistral.Gpu.Model.Generation;

/// <summary>Perplexity of a text, and optionally how closely a model follows a reference model on it.</summary>
/// <param name="Tokens">Tokens scored (each predicted from the ones before it; the first is not scored).</param>
/// <param name="MeanNll">Mean negative log-likelihood per scored token, in nats.</param>
/// <param name="ReferenceMeanNll">The reference model's mean NLL, when one was given.</param>
/// <param name="Top1Agreement">Fraction of positions where both models' argmax agree, when a reference was given.</param>
/// <param name="MeanKl">Mean KL(reference ‖ model) per position in nats, when a reference was given.</param>
/// <param name="MaxAbsLogitDiff">Largest |Δlogit| against the reference, when one was given.</param>
public sealed record EvaluationResult(int Tokens, double MeanNll, double? ReferenceMeanNll, double? Top1Agreement, double? MeanKl, double? MaxAbsLogitDiff)
{
    /// <summary>exp(mean NLL).</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>The reference model's perplexity, when one was given.</summary>
    public double? ReferencePerplexity => ReferenceMeanNll is { } nll ? Math.Exp(nll) : null;
}

/// <summary>Scores a token sequence with one model, or with a model and a reference (e.g. int4 against fp32).</summary>
public static class TextEvaluation
{
    /// <summary>
    /// Runs <paramref name="tokens"/> (at most the context) through <paramref name="model"/> and, when
    /// given, <paramref name="reference"/>, chunk by chunk, comparing the logits of every position.
    /// </summary>
    /// <param name="model">The model under test.</param>
    /// <param name="reference">The reference model (same vocabulary), or null.</param>
    /// <param name="tokens">At least two token ids.</param>
    public static EvaluationResult Evaluate(Transformer model, Transformer? reference, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count < 2) throw new ArgumentException("Scoring needs at least two tokens.", nameof(tokens));
        if (reference is not null && reference.VocabSize != model.VocabSize)
            throw new ArgumentException($"The reference's vocabulary ({reference.VocabSize}) differs from the model's ({model.VocabSize}).", nameof(reference));
        int vocab = model.VocabSize;
        int chunk = Math.Min(model.MaxChunk, reference?.MaxChunk ?? int.MaxValue);
        int[] ids = [.. tokens];
        double nll = 0, refNll = 0, kl = 0, maxDiff = 0;
        int agree = 0, scored = 0;
        for (int s = 0; s < ids.Length; s += chunk)
        {
            int len = Math.Min(chunk, ids.Length - s);
            var span = ids.AsSpan(s, len);
            float[] logits = model.AllLogits(span, s, len);
            float[]? refLogits = reference?.AllLogits(span, s, len);
            for (int t = 0; t < len && s + t + 1 < ids.Length; t++)
            {
                int target = ids[s + t + 1];
                var row = logits.AsSpan(t * vocab, vocab);
                var p = LogSoftmax(row);
                nll -= p[target];
                scored++;
                if (refLogits is null) continue;
                var refRow = refLogits.AsSpan(t * vocab, vocab);
                var q = LogSoftmax(refRow);
                refNll -= q[target];
                if (ArgMax(row) == ArgMax(refRow)) agree++;
                double klRow = 0;
                for (int i = 0; i < vocab; i++)
                {
                    klRow += Math.Exp(q[i]) * (q[i] - p[i]);
                    maxDiff = Math.Max(maxDiff, Math.Abs(row[i] - refRow[i]));
                }
                kl += klRow;
            }
        }
        return reference is null
            ? new EvaluationResult(scored, nll / scored, null, null, null, null)
            : new EvaluationResult(scored, nll / scored, refNll / scored, (double)agree / scored, kl / scored, maxDiff);
    }

    /// <summary>log softmax of a logits row, in double.</summary>
    /// <param name="logits">One row.</param>
    public static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (float l in logits) sum += Math.Exp(l - max);
        double log = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - log;
        return result;
    }

    /// <summary>Index of the largest value; the lowest index wins ties.</summary>
    /// <param name="values">A row.</param>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
