using Mistral.Gpu.Model.Chat;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// The Mistral instruct format over the stories260k tokenizer (BOS 1, EOS 2):
/// &lt;s&gt;[INST] {user} [/INST]{assistant}&lt;/s&gt;[INST] {user2} [/INST], each segment tokenized
/// on its own, BOS/EOS inserted as ids.
/// </summary>
public class InstructTemplateTests
{
    private static readonly Lazy<SentencePieceTokenizer> Tokenizer =
        new(() => SentencePieceTokenizer.Load(Path.Combine(SharedData.Stories260k, "tokenizer.model")));

    private static int[] Segment(string text) => Tokenizer.Value.Encode(text, addBos: false);

    [Fact]
    public void Single_user_turn()
    {
        int[] ids = new InstructTemplate(Tokenizer.Value).Encode([ChatMessage.User("Hello")]);
        Assert.Equal([1, .. Segment("[INST] Hello [/INST]")], ids);
        Assert.Equal("[INST] Hello [/INST]", Tokenizer.Value.Decode(ids));
    }

    [Fact]
    public void Multi_turn_has_one_bos_and_eos_after_each_answer()
    {
        int[] ids = new InstructTemplate(Tokenizer.Value).Encode(
        [
            ChatMessage.User("Hello"),
            ChatMessage.Assistant("Hi there"),
            ChatMessage.User("How are you?"),
        ]);
        int[] expected = [1, .. Segment("[INST] Hello [/INST]"), .. Segment("Hi there"), 2, .. Segment("[INST] How are you? [/INST]")];
        Assert.Equal(expected, ids);
        Assert.Equal(1, ids.Count(id => id == 1));
        Assert.Equal(1, ids.Count(id => id == 2));
        Assert.Equal("[INST] Hello [/INST] Hi there [INST] How are you? [/INST]", Tokenizer.Value.Decode(ids));
    }

    [Fact]
    public void System_prompt_joins_the_first_user_message_with_a_blank_line()
    {
        int[] ids = new InstructTemplate(Tokenizer.Value).Encode(
        [
            ChatMessage.System("Be brief."),
            ChatMessage.User("Hello"),
            ChatMessage.Assistant("Hi"),
            ChatMessage.User("Again"),
        ]);
        int[] expected = [1, .. Segment("[INST] Be brief.\n\nHello [/INST]"), .. Segment("Hi"), 2, .. Segment("[INST] Again [/INST]")];
        Assert.Equal(expected, ids);
        Assert.Equal("[INST] Be brief.\n\nHello [/INST] Hi [INST] Again [/INST]", Tokenizer.Value.Decode(ids));
    }

    [Fact]
    public void Control_token_text_in_a_message_stays_text()
    {
        int[] ids = new InstructTemplate(Tokenizer.Value).Encode([ChatMessage.User("<s></s>")]);
        Assert.Equal(1, ids.Count(id => id == Tokenizer.Value.BosId));
        Assert.DoesNotContain(Tokenizer.Value.EosId, ids);
        Assert.Equal("[INST] <s></s> [/INST]", Tokenizer.Value.Decode(ids));
    }

    [Theory]
    [InlineData(new[] { ChatRole.Assistant })]
    [InlineData(new[] { ChatRole.User, ChatRole.User })]
    [InlineData(new[] { ChatRole.System })]
    [InlineData(new[] { ChatRole.User, ChatRole.System })]
    [InlineData(new ChatRole[0])]
    public void Roles_out_of_order_are_rejected(ChatRole[] roles)
    {
        ChatMessage[] messages = roles.Select(r => new ChatMessage(r, "x")).ToArray();
        Assert.Throws<ArgumentException>(() => new InstructTemplate(Tokenizer.Value).Encode(messages));
    }
}
