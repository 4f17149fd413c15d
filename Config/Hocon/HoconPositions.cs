namespace ActorCrash.Config.Hocon;

internal enum HoconKind { Value, Object, List }

/// <summary>
/// Where a key path is set, what it holds, and in which order it was first seen; [Start, End) is the
/// text of its value (for an object set twice, of the first one).
/// </summary>
// A class, not a struct, like FieldReader's Field: its dictionary and LINQ run precompiled shared code.
internal sealed record HoconEntry(string Path, int Line, HoconKind Kind, int Order, int Start = 0, int End = 0);

/// <summary>
/// Checks a scenario's HOCON syntax and indexes the line of every key path it sets (array elements as
/// <c>triggers[1].cpu</c>). It runs before Akka's parser, which hangs on some malformed input and
/// silently accepts other, so only well-formed text of the subset described here reaches Akka.
/// </summary>
internal sealed class HoconPositions
{
    private const int MaxDepth = 32; // deep enough for any scenario, shallow enough for the stack

    private readonly string _source;
    private readonly HoconTokenizer _tokens;
    private readonly Dictionary<string, HoconEntry> _entries = new(StringComparer.Ordinal);
    private Token? _peeked;
    private int _order;
    private int _lastEnd; // where the last token taken ended
    private string _key = ""; // the key being read, for lexical errors

    private HoconPositions(string text, string source)
    {
        _source = source;
        _tokens = new HoconTokenizer(text, (line, expected, problem) => Error(line, _key, expected, problem));
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScenarioException"/> on malformed input.</summary>
    public static HoconPositions Scan(string text, string source)
    {
        var scan = new HoconPositions(text, source);
        scan.ParseDocument();
        return scan;
    }

    /// <summary>Every key path set, parents before their children.</summary>
    public IEnumerable<HoconEntry> Entries => _entries.Values.OrderBy(e => e.Order);

    /// <summary>The entry of <paramref name="path"/>, if the file sets it.</summary>
    public HoconEntry? Entry(string path) => _entries.TryGetValue(path, out var e) ? e : null;

    /// <summary>Whether the file sets <paramref name="path"/> itself.</summary>
    public bool Sets(string path) => _entries.ContainsKey(path);

    /// <summary>The line setting <paramref name="path"/> or, failing that, its nearest ancestor; 0 if none.</summary>
    public int LineOf(string path)
    {
        while (path.Length > 0)
        {
            if (_entries.TryGetValue(path, out var entry))
                return entry.Line;
            path = path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))];
        }
        return 0;
    }

    private void ParseDocument()
    {
        SkipNewlines();
        if (Peek().Type == TokenType.OpenBrace)
        {
            var open = Next();
            ParseObjectBody("", open, 1);
            SkipNewlines();
            var extra = Peek();
            if (extra.Type != TokenType.End)
                throw Error(extra.Line, "", "the end of the file", $"unexpected {extra.Describe()} after the closing '}}'");
        }
        else
            ParseObjectBody("", null, 0);
    }

    // Fields up to the '}' matching `open`, or to the end of the file for the unbraced root (open is null).
    private void ParseObjectBody(string path, Token? open, int depth)
    {
        SkipNewlines();
        while (true)
        {
            var t = Peek();
            switch (t.Type)
            {
                case TokenType.CloseBrace when open is not null:
                    Next();
                    return;
                case TokenType.End when open is null:
                    return;
                case TokenType.CloseBrace or TokenType.CloseBracket when open is null:
                    throw Error(t.Line, path, "a key", $"unexpected '{t.Text}' with nothing open to close");
                case TokenType.End or TokenType.CloseBracket:
                    throw Unclosed(open!.Value, path, t);
            }
            SkipSeparator(ParseField(path, depth), path);
        }
    }

    /// <summary>Reads one field; returns its key path.</summary>
    private string ParseField(string parent, int depth)
    {
        _key = parent;
        var keyToken = Next();
        if (keyToken.Type is not (TokenType.Text or TokenType.QuotedText))
            throw Error(keyToken.Line, parent, "a key", $"expected a key, got {keyToken.Describe()}");
        if (keyToken is { Type: TokenType.Text, Text: "include" })
            throw Error(keyToken.Line, parent, "a key", "include is not supported in scenarios");

        var path = parent;
        foreach (var segment in KeySegments(keyToken))
        {
            if (path != parent)
                Record(path, HoconKind.Object, keyToken.Line); // a.b = 1 makes a an object
            path = path.Length == 0 ? segment : $"{path}.{segment}";
        }

        _key = path;
        var t = Next();
        if (t.Type == TokenType.OpenBrace)
        {
            Record(path, HoconKind.Object, t.Line, t.Start);
            ParseObjectBody(path, t, Deeper(depth, t, path));
            EndSpan(path, t.Start);
            // Akka's parser fails on "key { ... }," without telling where.
            if (Peek().Type == TokenType.Comma)
                throw Error(Peek().Line, path, "a new line", "unexpected ',' after 'key { ... }': end the line instead");
        }
        else if (t.Type == TokenType.Assign)
            ParseValue(path, depth);
        else
            throw Error(t.Line, path, "'=' and a value", $"expected '=' and a value after the key, got {t.Describe()}");
        return path;
    }

    private IEnumerable<string> KeySegments(Token key)
    {
        // Scenario keys never contain '.', so a quoted one would only hide a typo.
        var segments = key.Type == TokenType.QuotedText ? [key.Text] : key.Text.Split('.');
        if (segments.Any(s => s.Length == 0) || (key.Type == TokenType.QuotedText && key.Text.Contains('.')))
            throw Error(key.Line, _key, "a key like a.b.c", $"malformed key {key.Describe()}");
        return segments;
    }

    private void ParseValue(string path, int depth)
    {
        _key = path;
        var t = Peek();
        switch (t.Type)
        {
            case TokenType.OpenBrace:
                Next();
                Record(path, HoconKind.Object, t.Line, t.Start);
                ParseObjectBody(path, t, Deeper(depth, t, path));
                EndSpan(path, t.Start);
                break;
            case TokenType.OpenBracket:
                Next();
                Record(path, HoconKind.List, t.Line, t.Start);
                ParseList(path, t, Deeper(depth, t, path));
                EndSpan(path, t.Start);
                break;
            case TokenType.Text or TokenType.QuotedText:
                // Unquoted words on one line concatenate: message = Fatal exception
                var last = t;
                while (Peek().Type is TokenType.Text or TokenType.QuotedText)
                    last = Next();
                Record(path, HoconKind.Value, t.Line, t.Start);
                EndSpan(path, t.Start, last.End);
                break;
            default:
                throw Error(t.Line, path, "a value", $"expected a value, got {t.Describe()}");
        }
    }

    private void ParseList(string path, Token open, int depth)
    {
        SkipNewlines();
        for (var i = 0; ; i++)
        {
            var t = Peek();
            if (t.Type == TokenType.CloseBracket)
            {
                Next();
                return;
            }
            if (t.Type is TokenType.End or TokenType.CloseBrace)
                throw Unclosed(open, path, t);
            ParseValue($"{path}[{i}]", depth);
            SkipSeparator($"{path}[{i}]", path);
        }
    }

    // After the value of `key`: a comma (then new lines), new lines, or the closing token (checked by the caller).
    private void SkipSeparator(string key, string parent)
    {
        var t = Peek();
        if (t.Type is TokenType.Comma or TokenType.Newline)
        {
            Next();
            _key = parent; // what follows belongs to the next field or element
            SkipNewlines();
            // Akka reads "1\n, 2" as three elements, the middle one empty.
            if (t.Type == TokenType.Newline && Peek().Type == TokenType.Comma)
                throw Error(Peek().Line, parent, "a value", "unexpected ',' at the start of a line");
        }
        else if (t.Type is not (TokenType.CloseBrace or TokenType.CloseBracket or TokenType.End))
            throw Error(t.Line, key, "',' or a new line", $"expected ',' or a new line after the value, got {t.Describe()}");
    }

    private int Deeper(int depth, Token t, string path) =>
        depth < MaxDepth ? depth + 1 : throw Error(t.Line, path, $"at most {MaxDepth} levels of nesting", "nested too deeply");

    private ScenarioException Unclosed(Token open, string path, Token found)
    {
        var close = open.Type == TokenType.OpenBrace ? "}" : "]";
        var where = found.Type == TokenType.End ? "the end of the file" : $"'{found.Text}' on line {found.Line}";
        return Error(open.Line, path, $"'{close}'", $"'{open.Text}' is never closed: expected '{close}' before {where}");
    }

    // The value that started at `start` ends at `end` (default: after the token just read).
    private void EndSpan(string path, int start, int end = -1)
    {
        if (_entries.TryGetValue(path, out var e) && e.Start == start)
            _entries[path] = e with { End = end >= 0 ? end : _lastEnd };
    }

    // A key set again replaces what it held, except that two objects merge.
    private void Record(string path, HoconKind kind, int line, int start = 0)
    {
        if (_entries.TryGetValue(path, out var old))
        {
            if (old.Kind == HoconKind.Object && kind == HoconKind.Object)
                return;
            // HOCON says the later one wins; Akka's parser keeps an object instead. Refuse the ambiguity.
            if (old.Kind == HoconKind.Object || kind == HoconKind.Object)
                throw Error(line, path, "one kind of value per key",
                    $"set as {Describe(old.Kind)} on line {old.Line} and as {Describe(kind)} here: set it once");
            foreach (var stale in _entries.Keys.Where(k => k.StartsWith(path + ".", StringComparison.Ordinal) || k.StartsWith(path + "[", StringComparison.Ordinal)).ToList())
                _entries.Remove(stale);
        }
        _entries[path] = new HoconEntry(path, line, kind, _order++, start, start);
    }

    private static string Describe(HoconKind kind) => kind switch
    {
        HoconKind.Object => "an object",
        HoconKind.List => "a list",
        _ => "a value",
    };

    private void SkipNewlines()
    {
        while (Peek().Type == TokenType.Newline)
            Next();
    }

    private Token Peek() => _peeked ??= _tokens.Next();

    private Token Next()
    {
        var t = Peek();
        _peeked = null;
        _lastEnd = t.End;
        return t;
    }

    private ScenarioException Error(int line, string key, string expected, string problem) =>
        new(_source, line, key, expected, problem);
}
