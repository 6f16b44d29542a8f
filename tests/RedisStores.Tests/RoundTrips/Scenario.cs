namespace RedisStores.Tests.RoundTrips;

/// <summary>
/// One row of the round-trip table: an operation of a public interface, the state it runs in, and how to run it. The
/// run arranges that state in its <see cref="Scope"/> and measures exactly one call with the <see cref="Meter"/>.
/// </summary>
/// <param name="Section">The table the row belongs to (a store).</param>
/// <param name="Interface">The public interface that declares the operation.</param>
/// <param name="Method">The operation's method name on <paramref name="Interface"/>.</param>
/// <param name="State">The representative state, as the table shows it: what exists, the batch size, who waits.</param>
/// <param name="Run">Arranges the state, then measures one call.</param>
internal sealed record Scenario(Section Section, Type Interface, string Method, string State, Func<Scope, Meter, Task> Run)
{
    /// <summary>
    /// Whether the project rule, one round trip per single-entity operation, applies. Listings, counts, batches and
    /// calls that never reach Redis are not single-entity operations.
    /// </summary>
    internal bool SingleEntity { get; init; } = true;

    /// <summary>Why this single-entity operation takes more than one round trip; shown in the notes, and checked to be still needed.</summary>
    internal string? Exception { get; init; }

    /// <summary>Anything else the reader should know: where the commands come from, what varies with the data.</summary>
    internal string? Notes { get; init; }

    /// <summary>The operation's cell: the method (the interface too when the section's main interface is another) and the state.</summary>
    internal string Operation
        => $"`{(Interface == Section.Interface ? Method : $"{Section.ShortName(Interface)}.{Method}")}` — {State}";
}

/// <summary>A table of the document: one store, its interfaces and its Redis implementation.</summary>
internal sealed record Section(string Title, Type Interface, string Implementation, params Type[] Others)
{
    internal string Heading
        => $"## {Title}: `{Interface.Name}`{string.Concat(Others.Select(o => $", `{o.Name}`"))} on `{Implementation}`";

    // A secondary interface's methods are shown on the object that has them: handle.ExtendAsync, subscription.DisposeAsync.
    internal static string ShortName(Type type)
        => type.Name[1..].Replace("DistributedLock", string.Empty, StringComparison.Ordinal).Replace("Message", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}
