namespace RedisStores.Sessions;

/// <summary>
/// An event was appended to a session's log: the message on <see cref="Messaging.StoreTopics.SessionEvents"/>. Read the
/// event itself with <see cref="ISessionStore.GetEventsAsync"/> from <see cref="Sequence"/>.
/// </summary>
/// <param name="SessionId">The session's id.</param>
/// <param name="Sequence">The event's sequence number in the session.</param>
public sealed record SessionEventAppended(string SessionId, long Sequence);
