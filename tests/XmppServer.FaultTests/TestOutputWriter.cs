using System.Text;
using Xunit.Abstractions;

namespace XmppServer.FaultTests;

/// <summary>Progress lines of a run, into the test's output.</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            output.WriteLine(_line.ToString());
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }

    public override void WriteLine(string? value) => output.WriteLine(value ?? string.Empty);
}
