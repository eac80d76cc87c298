namespace Mistral.Gpu.Model.Sampling;

/// <summary>
/// Picks the next token from a row of logits: greedy argmax at temperature 0, otherwise softmax at
/// the given temperature, then top-k, then top-p (nucleus) filtering, then one draw from a seeded
/// generator, so the same seed and logits always give the same tokens.
/// </summary>
public sealed class Sampler
{
    private readonly XorShiftRandom _random;
    private double[] _probabilities = [];
    private int[] _order = [];

    /// <summary>Creates a sampler; the options are validated here.</summary>
    /// <param name="options">Temperature, top-k, top-p and seed.</param>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public Sampler(SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _random = new XorShiftRandom(options.Seed ?? Random.Shared.NextInt64());
    }

    /// <summary>The options in use.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Index of the largest logit; the lowest index wins a tie, NaN never wins.</summary>
    /// <param name="logits">One row of logits.</param>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
            throw new ArgumentException("logits are empty", nameof(logits));
        int best = 0;
        float bestValue = float.NegativeInfinity;
        bool found = false;
        for (int i = 0; i < logits.Length; i++)
        {
            if (!found ? !float.IsNaN(logits[i]) : logits[i] > bestValue)
            {
                best = i;
                bestValue = logits[i];
                found = true;
            }
        }
        return best;
    }

    /// <summary>Chooses the next token id.</summary>
    /// <param name="logits">One row of logits (vocabulary size).</param>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
            throw new ArgumentException("logits are empty", nameof(logits));
        if (Options.Temperature == 0)
            return ArgMax(logits);

        int n = SortedProbabilities(logits);
        int kept = n;
        if (Options.TopK > 0)
            kept = Math.Min(kept, Options.TopK);
        if (Options.TopP < 1)
            kept = NucleusSize(kept);

        double total = 0;
        for (int i = 0; i < kept; i++)
            total += _probabilities[_order[i]];
        double target = _random.NextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < kept; i++)
        {
            cumulative += _probabilities[_order[i]];
            if (target < cumulative)
                return _order[i];
        }
        return _order[kept - 1];
    }

    /// <summary>
    /// Fills softmax(logits / T) and orders token ids by probability, most likely first (lower id
    /// first on a tie, so ties are deterministic). Returns the number of tokens with non-zero probability.
    /// </summary>
    private int SortedProbabilities(ReadOnlySpan<float> logits)
    {
        int n = logits.Length;
        if (_probabilities.Length != n)
        {
            _probabilities = new double[n];
            _order = new int[n];
        }

        double max = double.NegativeInfinity;
        foreach (float logit in logits)
            if (logit > max) max = logit;
        if (double.IsNegativeInfinity(max) || double.IsNaN(max))
            throw new ArgumentException("logits have no finite maximum", nameof(logits));

        double inverseTemperature = 1.0 / Options.Temperature;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double p = float.IsNaN(logits[i]) ? 0 : Math.Exp((logits[i] - max) * inverseTemperature);
            _probabilities[i] = p;
            sum += p;
        }
        int positive = 0;
        for (int i = 0; i < n; i++)
        {
            _probabilities[i] /= sum;
            if (_probabilities[i] > 0)
                _order[positive++] = i;
        }
        double[] probabilities = _probabilities;
        Array.Sort(_order, 0, positive, Comparer<int>.Create((a, b) =>
        {
            int byProbability = probabilities[b].CompareTo(probabilities[a]);
            return byProbability != 0 ? byProbability : a.CompareTo(b);
        }));
        return positive;
    }

    /// <summary>Smallest prefix of the first <paramref name="kept"/> sorted tokens whose (renormalized) mass reaches top-p.</summary>
    private int NucleusSize(int kept)
    {
        double mass = 0;
        for (int i = 0; i < kept; i++)
            mass += _probabilities[_order[i]];
        double threshold = Options.TopP * mass;
        double cumulative = 0;
        for (int i = 0; i < kept; i++)
        {
            cumulative += _probabilities[_order[i]];
            if (cumulative >= threshold)
                return i + 1;
        }
        return kept;
    }
}
