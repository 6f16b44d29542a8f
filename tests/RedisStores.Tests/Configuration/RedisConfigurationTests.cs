using RedisStores.Redis;

namespace RedisStores.Tests.Configuration;

public sealed class RedisConfigurationTests
{
    [Fact]
    public void A_plain_url_names_host_and_port()
    {
        var options = RedisConfiguration.Parse("redis://localhost:6379");

        Assert.Equal("localhost:6379", Assert.Single(options.EndPoints).ToString()?.Replace("Unspecified/", string.Empty, StringComparison.Ordinal));
        Assert.False(options.Ssl);
        Assert.Null(options.Password);
        Assert.False(options.AbortOnConnectFail);
    }

    [Fact]
    public void A_url_without_port_uses_6379()
    {
        var options = RedisConfiguration.Parse("redis://cache.internal");
        Assert.EndsWith(":6379", Assert.Single(options.EndPoints).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_with_only_a_password_sets_the_password()
    {
        var options = RedisConfiguration.Parse("redis://:s3cret@host:6380");

        Assert.Equal("s3cret", options.Password);
        Assert.Null(options.User);
        Assert.EndsWith(":6380", Assert.Single(options.EndPoints).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_with_user_password_and_database_sets_all_three()
    {
        var options = RedisConfiguration.Parse("redis://app:p%40ss%3Aword@redis.example.com:6379/3");

        Assert.Equal("app", options.User);
        Assert.Equal("p@ss:word", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
    }

    [Fact]
    public void A_rediss_url_turns_on_tls()
    {
        var options = RedisConfiguration.Parse("rediss://:pw@secure.example.com:6380");

        Assert.True(options.Ssl);
        Assert.Equal("secure.example.com", options.SslHost);
    }

    [Fact]
    public void A_stackexchange_configuration_string_is_accepted()
    {
        var options = RedisConfiguration.Parse("host1:6379,host2:6379,password=pw,ssl=true");

        Assert.Equal(2, options.EndPoints.Count);
        Assert.Equal("pw", options.Password);
        Assert.True(options.Ssl);
        Assert.False(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("redis://:hunter2@")]
    [InlineData("redis://:hunter2@host:6379/notadb")]
    [InlineData("password=hunter2")]
    [InlineData(",,,")]
    public void A_bad_address_is_refused_without_echoing_it(string value)
    {
        var error = Assert.Throws<FormatException>(() => RedisConfiguration.Parse(value));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_never_shows_the_password()
    {
        Assert.DoesNotContain("hunter2", RedisConfiguration.Describe("redis://user:hunter2@host:6379"), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", RedisConfiguration.Describe("host:6379,password=hunter2"), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", new RedisStoresOptions { RedisUrl = "redis://:hunter2@host" }.ToString(), StringComparison.Ordinal);
    }
}
