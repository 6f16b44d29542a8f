namespace RedisStores.Caching;

/// <summary>A namespace's door to a cache: every call goes to the store's engine with the namespace attached.</summary>
internal sealed class CacheView : ICacheStore
{
    private readonly CacheEngine _engine;
    private readonly string _namespace;

    internal CacheView(CacheEngine engine, string name)
    {
        CacheInputs.ValidateNamespace(name);
        _engine = engine;
        _namespace = name;
    }

    public string? NamespaceName => _namespace;

    public ICacheStore WithNamespace(string name) => new CacheView(_engine, name);

    public ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
        => _engine.GetAsync<T>(_namespace, key, cancellationToken);

    public ValueTask<CacheValue<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
        => _engine.TryGetAsync<T>(_namespace, key, cancellationToken);

    public ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.SetAsync(_namespace, key, value, options, cancellationToken);

    public ValueTask<T> GetOrSetAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.GetOrSetAsync(_namespace, key, factory, options, cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        => _engine.RemoveAsync(_namespace, key, cancellationToken);

    public ValueTask<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default)
        => _engine.GetManyAsync<T>(_namespace, keys, cancellationToken);

    public ValueTask SetManyAsync<T>(IEnumerable<KeyValuePair<string, T>> items, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.SetManyAsync(_namespace, items, options, cancellationToken);

    public ValueTask InvalidateNamespaceAsync(string name, CancellationToken cancellationToken = default)
        => _engine.InvalidateNamespaceAsync(name, cancellationToken);

    public CacheStats GetStats() => _engine.GetStats();

    public override string ToString() => $"cache namespace '{_namespace}'";
}
