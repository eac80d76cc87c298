using System.Text.Json;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// stories260k's reference.json: every tokenizer case and every prompt. We implement sentencepiece
/// semantics, so where the file lists sentencepiece_ids (runs of spaces, leading/trailing spaces,
/// which the model's remove_extra_whitespaces flag normalizes) those are expected; elsewhere
/// llama2.c and sentencepiece agree and llama2c_ids are expected.
/// </summary>
public class TokenizerReferenceTests
{
    private static readonly Lazy<SentencePieceTokenizer> Tokenizer =
        new(() => SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model")));

    private static JsonElement Reference()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.Stories260k, "reference.json")));
        return document.RootElement.Clone();
    }

    private static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static TheoryData<int> TokenizerCaseIndexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Reference().GetProperty("tokenizer_cases").GetArrayLength(); i++)
            data.Add(i);
        return data;
    }

    public static TheoryData<int> PromptCaseIndexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Reference().GetProperty("cases").GetArrayLength(); i++)
            data.Add(i);
        return data;
    }

    [Fact]
    public void Model_carries_the_expected_flags()
    {
        SentencePieceModel model = Tokenizer.Value.Model;
        Assert.Equal(512, model.Pieces.Count);
        Assert.Equal(SentencePieceModelType.Bpe, model.ModelType);
        Assert.True(model.ByteFallback);
        Assert.Equal((0, 1, 2, -1), (model.UnkId, model.BosId, model.EosId, model.PadId));
        Assert.Equal("identity", model.NormalizerName);
        Assert.True(model.AddDummyPrefix);
        Assert.True(model.RemoveExtraWhitespaces);
        Assert.True(model.EscapeWhitespaces);
        Assert.Equal(SentencePieceType.Unknown, model.Pieces[0].Type);
        Assert.Equal(SentencePieceType.Control, model.Pieces[1].Type);
        Assert.Equal("<0x0A>", model.Pieces[3 + 10].Text);
        Assert.Equal(SentencePieceType.Byte, model.Pieces[3 + 10].Type);
        Assert.Equal(-(300 - 259), model.Pieces[300].Score);
    }

    [Theory]
    [MemberData(nameof(TokenizerCaseIndexes))]
    public void Encodes_every_tokenizer_case(int index)
    {
        JsonElement testCase = Reference().GetProperty("tokenizer_cases")[index];
        string text = testCase.GetProperty("text").GetString()!;
        int[] expected = Ids(testCase.TryGetProperty("sentencepiece_ids", out JsonElement sp) ? sp : testCase.GetProperty("llama2c_ids"));
        Assert.Equal(expected, Tokenizer.Value.Encode(text, addBos: true));
    }

    [Theory]
    [MemberData(nameof(TokenizerCaseIndexes))]
    public void Decodes_every_tokenizer_case_back_to_normalized_text(int index)
    {
        JsonElement testCase = Reference().GetProperty("tokenizer_cases")[index];
        string text = testCase.GetProperty("text").GetString()!;
        int[] ids = Ids(testCase.TryGetProperty("sentencepiece_ids", out JsonElement sp) ? sp : testCase.GetProperty("llama2c_ids"));
        // Decoding gives the text after whitespace normalization (spaces collapsed and trimmed).
        string normalized = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(normalized, Tokenizer.Value.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(PromptCaseIndexes))]
    public void Encodes_every_prompt_and_decodes_its_text(int index)
    {
        JsonElement testCase = Reference().GetProperty("cases")[index];
        string prompt = testCase.GetProperty("prompt").GetString()!;
        int[] promptIds = Ids(testCase.GetProperty("prompt_ids"));
        Assert.Equal(promptIds, Tokenizer.Value.Encode(prompt));

        int[] generated = Ids(testCase.GetProperty("generated_ids"));
        Assert.Equal(testCase.GetProperty("text").GetString(), Tokenizer.Value.Decode([.. promptIds, .. generated]));
        Assert.Equal(testCase.GetProperty("completion").GetString(), Tokenizer.Value.Decode(generated));
    }

    [Fact]
    public void Empty_text_is_just_bos_and_control_text_is_not_a_control_token()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        Assert.Equal([1], tokenizer.Encode(""));
        Assert.Equal([], tokenizer.Encode("", addBos: false));
        Assert.Equal([1, 2], tokenizer.Encode("", addBos: true, addEos: true));
        int[] ids = tokenizer.Encode("<s>", addBos: false);
        Assert.DoesNotContain(tokenizer.BosId, ids);
        Assert.Equal("<s>", tokenizer.Decode([tokenizer.BosId, .. ids]));
        Assert.True(tokenizer.IsControl(tokenizer.EosId));
        Assert.Equal("", tokenizer.Decode([tokenizer.BosId, tokenizer.EosId]));
    }

    [Fact]
    public void Unknown_characters_fall_back_to_bytes_and_round_trip()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        const string text = "naïve 日本 😀\ttab";
        int[] ids = tokenizer.Encode(text);
        Assert.DoesNotContain(tokenizer.UnkId, ids);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Out_of_range_id_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Value.Decode([512]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Value.GetPiece(-1));
    }
}
