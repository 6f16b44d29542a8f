using System.Reflection;
using System.Text.RegularExpressions;
using RedisStores.Tasks;

namespace RedisStores.Tests;

/// <summary>The library's API habits, checked so they cannot erode (see shared CONVENTIONS.md).</summary>
public sealed partial class ApiConventionTests
{
    private static readonly Assembly s_library = typeof(ITaskStore).Assembly;

    [Fact]
    public void Public_classes_are_sealed_static_or_abstract_exception_bases()
    {
        var open = s_library.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !(t.IsAbstract && t.IsSealed))
            .Where(t => !(t.IsAbstract && typeof(Exception).IsAssignableFrom(t)))
            .Select(t => t.FullName);
        Assert.Empty(open);
    }

    [Fact]
    public void Every_public_async_method_takes_a_cancellation_token_last()
    {
        var missing = s_library.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && m.Name != "DisposeAsync")
            .Where(m => m.GetParameters() is not [.., { ParameterType: var last }] || last != typeof(CancellationToken))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        Assert.Empty(missing);
    }

    [Fact]
    public void Library_code_awaits_with_ConfigureAwait_false_and_never_blocks_or_writes_to_the_console()
    {
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                if (AwaitWithoutConfigureAwait().IsMatch(line) && !line.Contains(".ConfigureAwait(false)", StringComparison.Ordinal) && !line.Contains("await using", StringComparison.Ordinal))
                {
                    problems.Add($"{Path.GetFileName(file)}:{i + 1} await without ConfigureAwait(false)");
                }

                if (Blocking().IsMatch(line))
                {
                    problems.Add($"{Path.GetFileName(file)}:{i + 1} blocks on a task");
                }

                if (line.Contains("Console.", StringComparison.Ordinal))
                {
                    problems.Add($"{Path.GetFileName(file)}:{i + 1} writes to the console");
                }

                if (line.Contains("DateTime.UtcNow", StringComparison.Ordinal) || line.Contains("DateTimeOffset.UtcNow", StringComparison.Ordinal))
                {
                    problems.Add($"{Path.GetFileName(file)}:{i + 1} reads the wall clock instead of TimeProvider");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Lua_scripts_never_call_KEYS_or_SCAN()
    {
        var source = string.Concat(Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotMatch(new Regex(@"redis\.call\(\s*'(KEYS|SCAN)'", RegexOptions.IgnoreCase), source);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RedisStores.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the tests from inside the repository.");
    }

    [GeneratedRegex(@"\bawait\s+(?!using\b)")]
    private static partial Regex AwaitWithoutConfigureAwait();

    [GeneratedRegex(@"\.Result\b|\.Wait\(\)|GetAwaiter\(\)\.GetResult\(\)")]
    private static partial Regex Blocking();
}
