namespace RedisStores.Sessions;

/// <summary>
/// A write required a version of the session that is no longer current: another instance changed it, or it expired
/// or was deleted, since it was read. Read the session again and retry with the new version.
/// </summary>
public sealed class VersionConflictException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="expectedVersion">The version the write required.</param>
    /// <param name="actualVersion">The session's version now; 0 when it no longer exists.</param>
    public VersionConflictException(string sessionId, long expectedVersion, long actualVersion)
        : base(actualVersion == 0
            ? $"Session '{sessionId}' was expected at version {expectedVersion} but no longer exists (it expired or was deleted since it was read)."
            : $"Session '{sessionId}' was expected at version {expectedVersion} but is at version {actualVersion}: another writer changed it. Read it again and retry.")
    {
        SessionId = sessionId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>The session.</summary>
    public string SessionId { get; }

    /// <summary>The version the write required.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The session's version when the write was refused; 0 when it no longer exists.</summary>
    public long ActualVersion { get; }
}
