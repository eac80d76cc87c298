using Mistral.Gpu.Extensions.AI.Generation;

namespace Mistral.Gpu.Extensions.AI.Tests;

/// <summary>The answer filter piece by piece: the dummy-prefix space, stop sequences split across pieces, hold-back and release.</summary>
public sealed class AnswerTextFilterTests
{
    private static (string Emitted, bool Stopped) Run(bool strip, string[] stops, params string[] pieces)
    {
        var filter = new AnswerTextFilter(strip, stops);
        string emitted = string.Concat(pieces.Select(filter.Append)) + filter.Flush();
        return (emitted, filter.Stopped);
    }

    [Fact]
    public void Only_the_first_pieces_leading_space_is_dropped()
    {
        Assert.Equal(("Hello  world", false), Run(true, [], "", " Hello", " ", " world"));
        Assert.Equal((" b", false), Run(true, [], " ", " b"));
        Assert.Equal((" a", false), Run(false, [], " a"));
    }

    [Fact]
    public void A_stop_split_across_pieces_is_caught_and_never_emitted()
    {
        var filter = new AnswerTextFilter(false, ["STOP"]);
        Assert.Equal("abc", filter.Append("abcS"));
        Assert.Equal("", filter.Append("T"));
        Assert.Equal("", filter.Append("OPxyz"));
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Append("more"));
        Assert.Equal("", filter.Flush());
    }

    [Fact]
    public void Held_text_is_released_when_it_stops_matching_or_at_the_end()
    {
        var filter = new AnswerTextFilter(false, ["abc"]);
        Assert.Equal("x", filter.Append("xab"));
        Assert.Equal("abd", filter.Append("d"));
        Assert.Equal("", filter.Append("a"));
        Assert.Equal("a", filter.Flush());
        Assert.False(filter.Stopped);
    }

    [Fact]
    public void The_earliest_match_wins_and_overlapping_prefixes_are_held()
    {
        Assert.Equal(("one ", true), Run(false, ["three", "two"], "one tw", "o three"));
        Assert.Equal(("a", true), Run(false, ["aab"], "a", "a", "a", "b"));
        Assert.Equal(("", true), Run(true, ["Hi"], " Hi there"));
    }
}
