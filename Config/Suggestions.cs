namespace ActorCrash.Config;

/// <summary>"Did you mean X?" for a misspelt key, word or kernel parameter.</summary>
public static class Suggestions
{
    /// <summary>" (did you mean X?)" for the closest candidate within a typo's reach, else "".</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates, Func<string, string>? show = null, int? maxDistance = null)
    {
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(word.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= (maxDistance ?? Math.Clamp(word.Length / 3, 1, 2)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();
        return best is null ? "" : $" (did you mean {(show ?? (s => s))(best)}?)";
    }

    // Levenshtein distance.
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
