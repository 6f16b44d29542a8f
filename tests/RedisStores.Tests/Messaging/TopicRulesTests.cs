using RedisStores.Messaging;

namespace RedisStores.Tests.Messaging;

public sealed class TopicRulesTests
{
    [Fact]
    public async Task A_pattern_of_many_stars_is_matched_in_polynomial_time_as_Redis_does()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 30)) + "*b";
        var topic = new string('a', 200);

        // Exponential backtracking would not finish in any time a test could wait.
        var matched = await Task.Run(() => TopicRules.IsMatch(pattern, topic), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.False(matched);
        Assert.True(TopicRules.IsMatch(string.Concat(Enumerable.Repeat("*a", 30)) + "*", topic));
    }
}
