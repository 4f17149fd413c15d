namespace ActorCrash.Hardware;

/// <summary>
/// Virtual time is a count of nanoseconds since the scenario started. It is the only clock of the
/// model: nothing in Hardware/ or Actors/ reads the wall clock.
/// </summary>
public static class VirtualTime
{
    public const long Nanosecond = 1;
    public const long Microsecond = 1_000;
    public const long Millisecond = 1_000_000;
    public const long Second = 1_000_000_000;

    /// <summary>The kernel's printk time stamp, "[    1.234567]".</summary>
    public static string PrintkStamp(long ns) =>
        string.Create(null, stackalloc char[32], $"[{ns / Second,5}.{ns % Second / Microsecond:D6}]");

    /// <summary><see cref="PrintkStamp"/> appended to <paramref name="text"/>, formatted in place (no string is made).</summary>
    public static System.Text.StringBuilder AppendPrintkStamp(System.Text.StringBuilder text, long ns) =>
        text.Append(null, $"[{ns / Second,5}.{ns % Second / Microsecond:D6}]");

    /// <summary>Human form for results: "1.234567 s".</summary>
    public static string Format(long ns) =>
        string.Create(null, stackalloc char[32], $"{ns / Second}.{ns % Second / Microsecond:D6} s");
}
