namespace RedisStores;

/// <summary>A create operation was given an id that is already in use.</summary>
public sealed class EntityAlreadyExistsException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entityKind">What kind of entity was being created, such as <c>task</c>.</param>
    /// <param name="id">The id that is taken.</param>
    public EntityAlreadyExistsException(string entityKind, string id)
        : base($"A {entityKind} with id '{id}' already exists; choose another id, or let the store generate one.")
    {
        EntityKind = entityKind;
        Id = id;
    }

    /// <summary>What kind of entity was being created, such as <c>task</c>.</summary>
    public string EntityKind { get; }

    /// <summary>The id that is taken.</summary>
    public string Id { get; }
}
