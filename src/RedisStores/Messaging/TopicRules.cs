using System.Buffers;
using System.Text;

namespace RedisStores.Messaging;

/// <summary>
/// Topic names and patterns, and the glob matching Redis applies to <c>PSUBSCRIBE</c> patterns, so the in-memory bus
/// matches exactly what Redis would.
/// </summary>
internal static class TopicRules
{
    internal const int MaxLength = 256;

    private static readonly SearchValues<char> s_topic = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+=~/:*?[]");
    private static readonly SearchValues<char> s_pattern = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+=~/:*?[]^\\");

    internal static void ValidateTopic(string? topic, string paramName = "topic") => Validate(topic, paramName, "topic", s_topic);

    internal static bool IsValidTopic(string? topic)
        => !string.IsNullOrEmpty(topic) && topic.Length <= MaxLength && !topic.AsSpan().ContainsAnyExcept(s_topic);

    internal static void ValidatePattern(string? pattern, string paramName = "pattern") => Validate(pattern, paramName, "topic pattern", s_pattern);

    /// <summary>Makes every glob character of <paramref name="text"/> literal, for the part of a pattern that must match itself.</summary>
    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\' or '^')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// Redis's glob match (<c>stringmatchlen</c>): <c>*</c>, <c>?</c>, <c>[...]</c> with <c>^</c> and ranges, and <c>\</c>
    /// escapes. Like Redis, once a <c>*</c> has failed at every position, outer ones stop trying longer matches, so a
    /// pattern of many stars costs polynomial time, not exponential.
    /// </summary>
    internal static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        var skipLonger = false;
        return Match(pattern, text, ref skipLonger, 0);
    }

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, ref bool skipLonger, int nesting)
    {
        // Redis gives up on patterns nested deeper than this.
        if (nesting > 1000)
        {
            return false;
        }

        while (pattern.Length > 0 && text.Length > 0)
        {
            switch (pattern[0])
            {
                case '*':
                    while (pattern.Length > 1 && pattern[1] == '*')
                    {
                        pattern = pattern[1..];
                    }

                    if (pattern.Length == 1)
                    {
                        return true;
                    }

                    while (text.Length > 0)
                    {
                        if (Match(pattern[1..], text, ref skipLonger, nesting + 1))
                        {
                            return true;
                        }

                        if (skipLonger)
                        {
                            return false;
                        }

                        text = text[1..];
                    }

                    skipLonger = true;
                    return false;
                case '?':
                    text = text[1..];
                    break;
                case '[':
                {
                    pattern = pattern[1..];
                    var negate = pattern.Length > 0 && pattern[0] == '^';
                    if (negate)
                    {
                        pattern = pattern[1..];
                    }

                    var matched = false;
                    while (pattern.Length > 0 && pattern[0] != ']')
                    {
                        if (pattern[0] == '\\' && pattern.Length >= 2)
                        {
                            pattern = pattern[1..];
                            matched |= pattern[0] == text[0];
                        }
                        else if (pattern.Length >= 3 && pattern[1] == '-')
                        {
                            var (low, high) = pattern[0] <= pattern[2] ? (pattern[0], pattern[2]) : (pattern[2], pattern[0]);
                            matched |= text[0] >= low && text[0] <= high;
                            pattern = pattern[2..];
                        }
                        else
                        {
                            matched |= pattern[0] == text[0];
                        }

                        pattern = pattern[1..];
                    }

                    if (pattern.Length == 0)
                    {
                        // Redis treats an unclosed class as ending at the pattern's end.
                        pattern = "]";
                    }

                    if (matched == negate)
                    {
                        return false;
                    }

                    text = text[1..];
                    break;
                }

                case '\\' when pattern.Length >= 2:
                    pattern = pattern[1..];
                    goto default;
                default:
                    if (pattern[0] != text[0])
                    {
                        return false;
                    }

                    text = text[1..];
                    break;
            }

            pattern = pattern[1..];
        }

        if (text.Length == 0)
        {
            while (pattern.Length > 0 && pattern[0] == '*')
            {
                pattern = pattern[1..];
            }
        }

        return pattern.Length == 0 && text.Length == 0;
    }

    private static void Validate(string? value, string paramName, string subject, SearchValues<char> allowed)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length is 0 or > MaxLength)
        {
            throw new ArgumentException($"A {subject} is 1 to {MaxLength} characters; this one has {value.Length}.", paramName);
        }

        var i = value.AsSpan().IndexOfAnyExcept(allowed);
        if (i >= 0)
        {
            throw new ArgumentException($"The {subject} has '{value[i]}' at position {i}; it may hold only ASCII letters, digits and - _ . @ + = ~ / : * ? [ ]{(ReferenceEquals(allowed, s_pattern) ? " ^ \\" : string.Empty)}.", paramName);
        }
    }
}
