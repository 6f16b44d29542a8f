using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RedisStores.Serialization;

namespace RedisStores.Tests.Serialization;

/// <summary>
/// The default serializer writes and reads plain strings itself; every byte it writes and every string it reads back
/// must be what System.Text.Json, with the same options, writes and reads.
/// </summary>
public sealed class JsonStoreSerializerTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions Relaxed = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Strings()
    {
        var data = new TheoryData<string>
        {
            string.Empty, // every one-character ASCII string comes from the loop below
            "user:42:profile",
            new string('x', 10_000),
            "cached profile of user 42, Ada Lovelace, locale en-GB",
            "quote \" inside",
            "back\\slash",
            "tab\tand\nnewline",
            "<b>html</b> & 'quotes' + `ticks`",
            "café",
            "日本語",
            "emoji 🎉",
            "del \u007f char",
            "lone surrogate \ud800 here",
        };
        for (var c = (char)0; c < 128; c++)
        {
            data.Add(c.ToString());
            data.Add($"a{c}b");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Strings))]
    public void A_string_is_written_as_system_text_json_writes_it_and_read_back(string value)
    {
        var serializer = JsonStoreSerializer.Default;
        var written = serializer.Serialize(value);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(value, Web), written);
        Assert.Equal(JsonSerializer.Deserialize<string>(written, Web), serializer.Deserialize<string>(written));
    }

    [Theory]
    [InlineData("  \"padded\"  ", "padded")]
    [InlineData("\"esc\\u0041ped\"", "escAped")]
    [InlineData("\"new\\nline\"", "new\nline")]
    [InlineData("null", null)]
    [InlineData("\"\"", "")]
    public void Json_strings_system_text_json_reads_are_read_the_same(string json, string? expected)
        => Assert.Equal(expected, JsonStoreSerializer.Default.Deserialize<string>(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Non_ascii_text_is_read_as_utf8()
        => Assert.Equal("日本語 café", JsonStoreSerializer.Default.Deserialize<string>(Encoding.UTF8.GetBytes("\"日本語 café\"")));

    [Theory]
    [InlineData(new byte[] { (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', (byte)'a' })]
    [InlineData(new byte[] { (byte)'"', (byte)'a', (byte)'"', (byte)'b', (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', 0x01, (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', 0xC3, (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', 0xFF, 0xFE, (byte)'"' })]
    public void What_system_text_json_refuses_is_refused(byte[] json)
    {
        Assert.ThrowsAny<Exception>(() => JsonSerializer.Deserialize<string>(json, Web));
        Assert.ThrowsAny<Exception>(() => JsonStoreSerializer.Default.Deserialize<string>(json));
    }

    [Fact]
    public void Options_of_the_callers_own_are_used_as_they_are()
    {
        var serializer = new JsonStoreSerializer(Relaxed);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes("<b>&</b>", Relaxed), serializer.Serialize("<b>&</b>"));
        Assert.Equal("\"<b>&</b>\"", Encoding.UTF8.GetString(serializer.Serialize("<b>&</b>")));
        Assert.Equal("\"\\u003Cb\\u003E\\u0026\\u003C/b\\u003E\"", Encoding.UTF8.GetString(JsonStoreSerializer.Default.Serialize("<b>&</b>")));
    }

    [Fact]
    public void Other_types_and_strings_read_as_object_go_through_system_text_json()
    {
        var serializer = JsonStoreSerializer.Default;
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes<object>("text", Web), serializer.Serialize<object>("text"));
        Assert.Equal("text", serializer.Deserialize<object>("\"text\""u8).ToString());
        Assert.Equal(42, serializer.Deserialize<int>(serializer.Serialize(42)));
    }
}
