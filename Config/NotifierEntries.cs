namespace ActorCrash.Config;

/// <summary>Reads <c>panic-notifiers</c>: the callbacks registered on panic_notifier_list, in registration order.</summary>
internal static class NotifierEntries
{
    public static IReadOnlyList<NotifierSpec> Read(FieldReader r)
    {
        var notifiers = new List<NotifierSpec>();
        foreach (var entry in r.List(r["panic-notifiers"], "a list of notifiers such as [{ name = \"hyperv\", behaviour = reboot }]"))
        {
            var nameField = r.Child(entry, "name");
            var name = nameField.IsSet ? r.Text(nameField) : $"notifier{notifiers.Count}";
            if (notifiers.Any(n => n.Name == name))
                throw r.Error(nameField.Key, "each notifier name at most once", $"a notifier named \"{name}\" is registered twice");
            var behaviour = r.Word(r.Child(entry, "behaviour"), PanicNotifierBehaviours.Names);
            var lockField = r.Child(entry, "lock");
            string? l = null;
            if (behaviour == "take-lock")
                l = r.Word(lockField, KernelLocks.Names);
            else if (lockField.IsSet)
                throw r.NotApplicable(lockField, "behaviour = take-lock", $"behaviour = {behaviour}");
            var timeField = r.Child(entry, "time");
            var time = timeField.IsSet ? r.Duration(timeField) : 0;
            notifiers.Add(new NotifierSpec(name, new ThirdPartyParams(behaviour, l, time)));
        }
        return notifiers;
    }
}
