using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Mistral.Gpu.Model.Tokenization;
using OurTokenizer = Mistral.Gpu.Model.Tokenization.SentencePieceTokenizer;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Where Microsoft.ML.Tokenizers 2.0.1 departs from sentencepiece, each case run on the library
/// itself (so the test fails, and our code can go, once the library changes) and on our tokenizer,
/// which keeps sentencepiece's behaviour for it.
/// </summary>
public class LibraryGapTests
{
    private const int Normal = 1, UserDefined = 4;
    private const int First = ProtoBuilder.FirstNormalId;

    private static LlamaTokenizer Library(byte[] model, IReadOnlyDictionary<string, int>? specialTokens = null) =>
        LlamaTokenizer.Create(new MemoryStream(model), addBeginOfSentence: false, addEndOfSentence: false, specialTokens);

    [Fact]
    public void Equal_scores_the_library_merges_the_rightmost_pair_sentencepiece_the_leftmost()
    {
        byte[] model = ProtoBuilder.Model([("a", 0, Normal), ("b", 0, Normal), ("c", 0, Normal), ("ab", -1, Normal), ("bc", -1, Normal), ("▁", 0, Normal)]).ToArray();
        Assert.Equal([First + 5, First + 0, First + 4], Library(model).EncodeToIds("abc", false, false));
        Assert.Equal([First + 5, First + 3, First + 2], OurTokenizer.Parse(model, "tied.model").Encode("abc", addBos: false));
    }

    [Fact]
    public void User_defined_pieces_the_library_puts_the_dummy_prefix_after_them_sentencepiece_before()
    {
        byte[] model = ProtoBuilder.Model([("▁", -1, Normal), ("x", -2, Normal), ("[TOOL]", 0, UserDefined)]).ToArray();
        var userDefined = new Dictionary<string, int> { ["[TOOL]"] = First + 2 };
        Assert.Equal([First + 2, First + 0, First + 1], Library(model, userDefined).EncodeToIds("[TOOL]x", false, false));
        Assert.Equal([First + 0, First + 2, First + 1], OurTokenizer.Parse(model, "user.model").Encode("[TOOL]x", addBos: false));
    }

    [Fact]
    public void A_model_without_bos_the_library_still_gives_a_bos_id_we_give_none()
    {
        byte[] model = ProtoBuilder.Model([("▁a", 0, Normal)]).MessageField(2, new ProtoBuilder().VarintField(41, -1)).ToArray();
        // 2.0.1 answers 0 (here the unk piece); sentencepiece says -1, "no such token".
        Assert.Equal(0, Library(model).BeginningOfSentenceId);
        OurTokenizer ours = OurTokenizer.Parse(model, "nobos.model");
        Assert.Equal(-1, ours.BosId);
        Assert.Throws<InvalidOperationException>(() => ours.Encode("a", addBos: true));
    }

    [Fact]
    public void Decoding_a_continuation_the_library_drops_its_first_space_and_shows_half_characters()
    {
        string model = Path.Combine(SharedData.Stories260k, "tokenizer.model");
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "reference.json")));
        JsonElement story = reference.RootElement.GetProperty("cases")[1];
        int[] generated = story.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string completion = story.GetProperty("completion").GetString()!;
        Assert.StartsWith(" ", completion);

        LlamaTokenizer library = Library(File.ReadAllBytes(model));
        OurTokenizer ours = OurTokenizer.Load(model);
        Assert.Equal(completion[1..], library.Decode(generated));
        Assert.Equal(completion, ours.Decode(generated));

        // The first byte of "é" alone: the library can only say U+FFFD; a stream decoder waits for the second.
        const int byteC3 = 3 + 0xC3;
        Assert.Equal("\uFFFD", library.Decode([byteC3]));
        TokenStreamDecoder stream = ours.CreateStreamDecoder();
        Assert.Equal("", stream.Append(byteC3));
        Assert.Equal("é", stream.Append(3 + 0xA9));
    }
}
