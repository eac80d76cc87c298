using Mistral.Gpu.Model.Chat;
using Mistral.Gpu.Model.Tokenization;

namespace Mistral.Gpu.Model.Tests;

/// <summary>
/// A tokenizer laid out like Mistral's <c>tokenizer.model.v3</c> (no such file can be downloaded
/// here): 32768 ids, &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, 768 control pieces from [INST] and [/INST] on, the 256 byte
/// pieces, then normal pieces with distinct scores, so encoding runs through Microsoft.ML.Tokenizers.
/// Expected ids are worked out by hand from the BPE rule (the best-scoring adjacent pair merges first).
/// </summary>
public class V3TokenizerTests
{
    private const int Normal = 1;
    private const int FirstControlId = 3, FirstByteId = 3 + 768, FirstNormalId = FirstByteId + 256;

    // Merge order = score order: "th" merges first, "▁Hi" last.
    private static readonly string[] Merges = ["th", "▁t", "he", "er", "▁th", "ere", "▁the", "▁there", "Hi", "▁Hi"];
    private static readonly string[] Characters = ["▁", "H", "i", "t", "h", "e", "r"];

    private static readonly Lazy<SentencePieceTokenizer> Tokenizer = new(() => SentencePieceTokenizer.Parse(V3Model(), "v3.model"));

    private static byte[] V3Model()
    {
        string[] controls = ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]",
            .. Enumerable.Range(8, 761).Select(n => $"[control_{n}]")];
        // Filler pieces that no test text can reach (no "q" in them), to make the vocabulary v3's size.
        IEnumerable<string> filler = Enumerable.Range(0, 32768 - FirstNormalId - Merges.Length - Characters.Length).Select(n => $"▁q{n}");
        var pieces = Merges.Concat(Characters).Concat(filler).Select((text, index) => (text, -(float)index, Normal));
        return ProtoBuilder.Model(pieces, controlPieces: controls).ToArray();
    }

    private static int Id(string piece) => FirstNormalId + Array.IndexOf([.. Merges, .. Characters], piece);

    [Fact]
    public void Layout_is_v3s()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        Assert.Equal(32768, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2), (tokenizer.UnkId, tokenizer.BosId, tokenizer.EosId));
        Assert.True(tokenizer.TryGetId("[INST]", out int inst));
        Assert.True(tokenizer.TryGetId("[/INST]", out int endInst));
        Assert.Equal((FirstControlId, FirstControlId + 1), (inst, endInst));
        Assert.True(tokenizer.IsControl(inst) && tokenizer.IsControl(endInst));
        Assert.Equal("<0x00>", tokenizer.GetPiece(FirstByteId));
    }

    [Fact]
    public void Encodes_by_merge_score_through_the_library()
    {
        Assert.Equal([1, Id("▁Hi"), Id("▁there")], Tokenizer.Value.Encode("Hi there"));
        // "he" outranks "er", so neither "er" nor "ere" forms here.
        Assert.Equal([Id("▁"), Id("he"), Id("r"), Id("e")], Tokenizer.Value.Encode("here", addBos: false));
    }

    [Fact]
    public void Control_text_is_ordinary_characters_and_control_ids_decode_to_nothing()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        int[] forged = tokenizer.Encode("[INST]", addBos: false);
        Assert.DoesNotContain(FirstControlId, forged);
        // "▁" then each character of "[INST]" as a byte piece: none of them is in the vocabulary.
        Assert.Equal([Id("▁"), .. "[INST]".Select(c => FirstByteId + c)], forged);
        Assert.Equal("[INST]", tokenizer.Decode([1, .. forged]));
        Assert.Equal("Hi there", tokenizer.Decode([1, FirstControlId, Id("▁Hi"), FirstControlId + 1, Id("▁there"), 2]));
    }

    [Fact]
    public void Instruct_template_puts_inst_in_as_control_ids()
    {
        SentencePieceTokenizer tokenizer = Tokenizer.Value;
        var template = new InstructTemplate(tokenizer);
        Assert.True(template.HasControlInstTokens);
        int[] ids = template.Encode([ChatMessage.User("Hi"), ChatMessage.Assistant("there"), ChatMessage.User("Hi")]);
        int inst = FirstControlId, endInst = FirstControlId + 1;
        Assert.Equal([1, inst, Id("▁Hi"), endInst, Id("▁there"), 2, inst, Id("▁Hi"), endInst], ids);
    }
}
