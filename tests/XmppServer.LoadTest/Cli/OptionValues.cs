using System.Globalization;

namespace XmppServer.LoadTest.Cli;

/// <summary>Option values read from the command line, each checked against its range with a message that names it.</summary>
internal static class OptionValues
{
    public static int Int(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new OptionsException($"{name} {value}: expected a whole number from {min} to {max}");
        }

        return n;
    }

    public static double Number(string name, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new OptionsException($"{name} {value}: expected a number from {min} to {max}");
        }

        return n;
    }
}
