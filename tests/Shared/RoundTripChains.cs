using StackExchange.Redis.Profiling;

namespace RedisStores.Testing;

/// <summary>
/// The project's rule for counting round trips from the StackExchange.Redis profiler, shared by the round-trip table's
/// test and the benchmark: a command starts a new round trip only when it was created after another command of the
/// same operation had completed, so commands sent back to back (pipelined) share one.
/// </summary>
internal static class RoundTripChains
{
    /// <summary>The commands in the order they were created, each with its round trip (1 for the first).</summary>
    internal static (IProfiledCommand[] Commands, int[] Trip) Of(IEnumerable<IProfiledCommand> profiled)
    {
        var commands = profiled.OrderBy(c => c.CommandCreated).ToArray();
        var trip = new int[commands.Length];
        for (var i = 0; i < commands.Length; i++)
        {
            trip[i] = 1;
            for (var j = 0; j < i; j++)
            {
                if (commands[j].CommandCreated + commands[j].ElapsedTime <= commands[i].CommandCreated)
                {
                    trip[i] = Math.Max(trip[i], trip[j] + 1);
                }
            }
        }

        return (commands, trip);
    }
}
