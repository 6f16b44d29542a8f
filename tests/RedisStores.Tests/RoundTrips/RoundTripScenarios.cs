namespace RedisStores.Tests.RoundTrips;

/// <summary>
/// Every row of docs/round-trips.md, one store per file. To add an operation: add a row to its store's file, giving
/// the method's name, the state it runs in (what exists, the batch size, who waits), and a run that arranges that state
/// and measures one call; then regenerate the document with tests/update-round-trips.sh.
/// </summary>
internal static partial class RoundTripScenarios
{
    internal static IReadOnlyList<Section> Sections => [TaskSection, SessionSection, CacheSection, WorkerSection, LockSection, BusSection];

    internal static IReadOnlyList<Scenario> All =>
        [.. TaskRows(), .. SessionRows(), .. CacheRows(), .. WorkerRows(), .. LockRows(), .. BusRows()];
}
