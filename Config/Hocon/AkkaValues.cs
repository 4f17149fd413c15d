using Akka.Configuration.Hocon;

namespace ActorCrash.Config.Hocon;

/// <summary>Reads lists from Akka's HOCON values, around two of its quirks.</summary>
internal static class AkkaValues
{
    /// <summary>Whether the value is a list: Akka's <c>IsArray()</c> says no for an empty one, or one followed by a space.</summary>
    public static bool IsList(this HoconValue value) => value.Values.Any(v => v is HoconArray);

    /// <summary>The list's elements, less the empty one Akka reads from "[ ]".</summary>
    public static IEnumerable<HoconValue> Elements(this HoconValue value) => value.GetArray().Where(e => e.Values.Count > 0);
}
