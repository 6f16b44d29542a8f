namespace RedisStores.Redis;

/// <summary>Lua shared by the stores' scripts, prepended where a script needs it.</summary>
internal static class LuaSnippets
{
    /// <summary>
    /// Byte-wise <c>gt(a, b)</c> and <c>lt(a, b)</c>, the order Redis gives sorted-set members of equal score; Lua's
    /// own string comparison follows the server's locale, so cursors must not use it.
    /// </summary>
    internal const string ByteOrder = """
        local function gt(a, b)
          local la, lb = #a, #b
          for i = 1, math.min(la, lb) do
            local x, y = string.byte(a, i), string.byte(b, i)
            if x ~= y then return x > y end
          end
          return la > lb
        end
        local function lt(a, b) return gt(b, a) end

        """;
}
