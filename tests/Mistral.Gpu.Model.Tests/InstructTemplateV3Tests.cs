using Mistral.Gpu.Model.Chat;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// Mistral 7B v0.3's instruct format: its tokenizer.model.v3 has [INST] and [/INST] as control pieces, so a user turn
/// is &lt;s&gt; [INST]-id, the message, [/INST]-id; an answer is its text and &lt;/s&gt;. A tokenizer with [INST] as
/// ordinary text keeps the v1 format.
/// </summary>
public class InstructTemplateV3Tests
{
    private const int Control = 3, Normal = 1;

    private static SentencePieceTokenizer V3Tokenizer(int instType = Control) => new(SentencePieceModel.Parse(
        ProtoBuilder.Model([("[INST]", 0, instType), ("[/INST]", 0, instType), ("▁Hello", -1, Normal), ("▁Hi", -2, Normal)]).ToArray(), "v3.model"));

    [Fact]
    public void User_turns_are_wrapped_in_the_control_ids()
    {
        var tokenizer = V3Tokenizer();
        Assert.True(tokenizer.TryGetId("[INST]", out int begin));
        Assert.True(tokenizer.TryGetId("[/INST]", out int end));
        var template = new InstructTemplate(tokenizer);
        Assert.True(template.HasControlInstTokens);
        int[] ids = template.Encode([ChatMessage.User("Hello"), ChatMessage.Assistant("Hi"), ChatMessage.User("Hello")]);
        int[] hello = tokenizer.Encode("Hello", addBos: false), hi = tokenizer.Encode("Hi", addBos: false);
        Assert.NotEmpty(hello);
        Assert.Equal([tokenizer.BosId, begin, .. hello, end, .. hi, tokenizer.EosId, begin, .. hello, end], ids);
    }

    [Fact]
    public void Typed_control_text_is_not_a_control_token()
    {
        var tokenizer = V3Tokenizer();
        Assert.True(tokenizer.TryGetId("[INST]", out int begin));
        int[] ids = new InstructTemplate(tokenizer).Encode([ChatMessage.User("[INST]")]);
        Assert.Equal(1, ids.Count(id => id == begin));
    }

    [Fact]
    public void A_tokenizer_without_control_pieces_keeps_the_v1_text_format()
    {
        var tokenizer = V3Tokenizer(instType: Normal);
        var template = new InstructTemplate(tokenizer);
        Assert.False(template.HasControlInstTokens);
        Assert.Equal([tokenizer.BosId, .. tokenizer.Encode("[INST] Hello [/INST]", addBos: false)], template.Encode([ChatMessage.User("Hello")]));
    }
}
