namespace RedisStores;

/// <summary>An operation needed an entity (a task, a session, ...) that does not exist or has expired.</summary>
public sealed class EntityNotFoundException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entityKind">What kind of entity was looked for, such as <c>task</c>.</param>
    /// <param name="id">The id that was not found.</param>
    public EntityNotFoundException(string entityKind, string id)
        : base($"No {entityKind} with id '{id}' exists; it was never created, was deleted, or has expired.")
    {
        EntityKind = entityKind;
        Id = id;
    }

    /// <summary>What kind of entity was looked for, such as <c>task</c>.</summary>
    public string EntityKind { get; }

    /// <summary>The id that was not found.</summary>
    public string Id { get; }
}
