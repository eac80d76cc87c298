using System.Text;
using System.Text.Json;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

public class TokenStreamDecoderTests
{
    private static readonly Lazy<SentencePieceTokenizer> Tokenizer =
        new(() => SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model")));

    private static int ByteId(byte b) => 3 + b;

    [Fact]
    public void Holds_a_two_byte_character_until_complete()
    {
        TokenStreamDecoder decoder = Tokenizer.Value.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(ByteId(0xC3)));
        Assert.Equal("é", decoder.Append(ByteId(0xA9)));
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Holds_an_emoji_arriving_byte_by_byte()
    {
        TokenStreamDecoder decoder = Tokenizer.Value.CreateStreamDecoder();
        byte[] emoji = Encoding.UTF8.GetBytes("😀");
        Assert.Equal(4, emoji.Length);
        Assert.Equal("", decoder.Append(Tokenizer.Value.BosId));
        for (int i = 0; i < 3; i++)
            Assert.Equal("", decoder.Append(ByteId(emoji[i])));
        Assert.Equal("😀", decoder.Append(ByteId(emoji[3])));
    }

    [Fact]
    public void Text_piece_after_a_partial_character_is_held_too()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        Assert.True(tokenizer.TryGetId("▁", out int space));
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(ByteId(0xE6)));
        Assert.Equal("", decoder.Append(ByteId(0x97)));
        Assert.Equal("日 ", string.Concat(decoder.Append(ByteId(0xA5)), decoder.Append(space)));
    }

    [Fact]
    public void Incomplete_sequence_flushes_as_replacement_character()
    {
        TokenStreamDecoder decoder = Tokenizer.Value.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(ByteId(0xF0)));
        Assert.Equal("", decoder.Append(ByteId(0x9F)));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void Invalid_bytes_are_not_held_forever()
    {
        TokenStreamDecoder decoder = Tokenizer.Value.CreateStreamDecoder();
        Assert.Equal("\uFFFD", decoder.Append(ByteId(0x80)));
        Assert.Equal("\uFFFDA", decoder.Append(ByteId(0xFF)) + decoder.Append(ByteId((byte)'A')));
    }

    [Fact]
    public void Leading_space_is_dropped_only_right_after_bos()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        int[] once = tokenizer.Encode("Once Once", addBos: false);
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(tokenizer.BosId));
        Assert.Equal("Once", decoder.Append(once[0]));
        Assert.Equal(" Once", decoder.Append(once[1]));

        decoder.Reset();
        Assert.Equal(" Once", decoder.Append(once[0]));
    }

    [Fact]
    public void Streaming_the_reference_generations_equals_whole_decoding()
    {
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "reference.json")));
        foreach (JsonElement testCase in reference.RootElement.GetProperty("cases").EnumerateArray())
        {
            int[] ids = [.. testCase.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()),
                         .. testCase.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt32())];
            TokenStreamDecoder decoder = Tokenizer.Value.CreateStreamDecoder();
            var streamed = new StringBuilder();
            foreach (int id in ids)
                streamed.Append(decoder.Append(id));
            streamed.Append(decoder.Flush());
            Assert.Equal(testCase.GetProperty("text").GetString(), streamed.ToString());
        }
    }
}
