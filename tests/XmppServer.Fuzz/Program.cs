using SharpFuzz;
using XmppServer.Fuzz;

// The fuzz target of the stream parser (see README.md beside this file).
//   (no arguments)             under afl-fuzz: SharpFuzz's out-of-process fork server, which survives a crash of
//                              the runtime (stack overflow) by starting a new child
//   --in-process               under afl-fuzz: SharpFuzz's in-process fork server (faster; a stack overflow ends it)
//   --replay PATH...           runs every file (directories: every file in them) through the check once
//   --minimize INPUT OUTPUT    shrinks a failing input while it fails the same way
return args switch
{
    [] => RunUnderAfl(inProcess: false),
    ["--in-process"] => RunUnderAfl(inProcess: true),
    ["--replay", .. var paths] when paths.Length > 0 => Replay(paths),
    ["--minimize", var input, var output] => Minimize(input, output),
    _ => Usage(),
};

static int RunUnderAfl(bool inProcess)
{
    Action<Stream> target = stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        StanzaRoundTrip.Check(memory.GetBuffer().AsSpan(0, (int)memory.Length));
    };

    if (inProcess)
    {
        Fuzzer.Run(target);
    }
    else
    {
        Fuzzer.OutOfProcess.Run(target);
    }

    return 0;
}

static int Replay(string[] paths)
{
    var files = new List<string>();
    foreach (var path in paths)
    {
        if (Directory.Exists(path))
        {
            files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        }
        else if (File.Exists(path))
        {
            files.Add(path);
        }
        else
        {
            Console.Error.WriteLine($"no such file or directory: {path}");
            return 2;
        }
    }

    var failed = 0;
    var elements = 0;
    var errors = 0;
    foreach (var file in files)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var outcome = StanzaRoundTrip.Check(File.ReadAllBytes(file));
            elements += outcome.Events.Count(e => e.Event.Kind == XmppServer.Protocol.XmppStreamEventKind.Element);
            errors += outcome.Error is null ? 0 : 1;

            // afl-fuzz's hangs come here too: an input of a few KiB that takes a second is one.
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (elapsed > SlowInput)
            {
                failed++;
                Console.WriteLine($"SLOW {file}: {elapsed.TotalMilliseconds:F0} ms");
            }
        }
#pragma warning disable CA1031 // Replay reports every failure, of whatever kind, and goes on with the next file.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed++;
            Console.WriteLine($"FAIL {file}\n  {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
    }

    Console.WriteLine($"replayed {files.Count} files: {files.Count - failed} passed, {failed} failed ({elements} elements round-tripped, {errors} inputs ended in a stream error)");
    return failed == 0 ? 0 : 1;
}

static int Minimize(string inputPath, string outputPath)
{
    var data = File.ReadAllBytes(inputPath);
    var signature = Signature(data);
    if (signature is null)
    {
        Console.Error.WriteLine($"{inputPath} does not fail");
        return 2;
    }

    Console.WriteLine($"failure: {signature}; {data.Length} bytes");
    var changed = true;
    while (changed)
    {
        changed = false;
        for (var chunk = Math.Max(1, data.Length / 2); chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= data.Length;)
            {
                byte[] candidate = [.. data.AsSpan(0, start), .. data.AsSpan(start + chunk)];
                if (Signature(candidate) == signature)
                {
                    data = candidate;
                    changed = true;
                }
                else
                {
                    start += chunk;
                }
            }

            if (chunk == 1)
            {
                break;
            }
        }
    }

    File.WriteAllBytes(outputPath, data);
    Console.WriteLine($"minimised to {data.Length} bytes: {outputPath}");
    return 0;
}

// What kind of failure an input causes: the exception type and, for a disagreement, the first words of what
// differs; for a crash, the method that threw.
static string? Signature(byte[] data)
{
    try
    {
        StanzaRoundTrip.Check(data);
        return null;
    }
#pragma warning disable CA1031 // Every failure counts; the minimiser compares their kinds.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        var detail = ex is RoundTripMismatchException
            ? new string([.. ex.Message.TakeWhile(c => c is not ('(' or ':' or '\n'))])
            : ex.TargetSite?.ToString() ?? string.Empty;
        return $"{ex.GetType().FullName}: {detail}";
    }
}

static int Usage()
{
    Console.Error.WriteLine("usage: XmppServer.Fuzz [--in-process | --replay PATH... | --minimize INPUT OUTPUT]");
    return 2;
}

internal static partial class Program
{
    private static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(1);
}
