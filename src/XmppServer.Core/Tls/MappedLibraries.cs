namespace XmppServer.Core.Tls;

/// <summary>The shared libraries this process has mapped, as /proc/self/maps lists them (Linux only).</summary>
internal static class MappedLibraries
{
    /// <summary>
    /// The distinct paths of mapped files whose name starts with one of <paramref name="prefixes"/> (e.g.
    /// "libssl.so"). Throws IOException or UnauthorizedAccessException where /proc cannot be read.
    /// </summary>
    public static List<string> Find(params string[] prefixes)
        => File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6)
            .Select(fields => fields[5].Trim())
            .Where(path => prefixes.Any(prefix => Path.GetFileName(path).StartsWith(prefix, StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
