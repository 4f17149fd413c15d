using System.Text;

namespace ActorCrash.Config.Hocon;

internal enum TokenType { Text, QuotedText, Assign, OpenBrace, CloseBrace, OpenBracket, CloseBracket, Comma, Newline, End }

/// <summary>A token; [Start, End) is where it stands in the text.</summary>
internal readonly record struct Token(TokenType Type, string Text, int Line, int Start = 0, int End = 0)
{
    /// <summary>How an error message names this token.</summary>
    public string Describe() => Type switch
    {
        TokenType.Newline => "the end of the line",
        TokenType.End => "the end of the file",
        TokenType.QuotedText => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>
/// Splits the HOCON subset that scenarios use into tokens, one at a time. Rejects what that subset
/// leaves out (substitutions, <c>+=</c>, multi-line strings), unknown escapes and HOCON's reserved characters.
/// </summary>
internal sealed class HoconTokenizer(string text, Func<int, string, string, Exception> fail)
{
    // Characters HOCON forbids in unquoted text; each needs quoting.
    private const string Reserved = "$\"{}[]:=,+#`^?!@*&\\";

    private int _pos;
    private int _line = 1;

    public Token Next()
    {
        SkipSpacesAndComments();
        var start = _pos;
        var t = Read();
        return t with { Start = start, End = _pos };
    }

    private Token Read()
    {
        if (_pos >= text.Length)
            return new Token(TokenType.End, "", _line);

        var c = text[_pos];
        var line = _line;
        switch (c)
        {
            case '\n':
                _pos++;
                _line++;
                return new Token(TokenType.Newline, "\n", line);
            case '"':
                return new Token(TokenType.QuotedText, ReadQuoted(), line);
            case '=' or ':':
                _pos++;
                return new Token(TokenType.Assign, c.ToString(), line);
            case ',': _pos++; return new Token(TokenType.Comma, ",", line);
            case '{': _pos++; return new Token(TokenType.OpenBrace, "{", line);
            case '}': _pos++; return new Token(TokenType.CloseBrace, "}", line);
            case '[': _pos++; return new Token(TokenType.OpenBracket, "[", line);
            case ']': _pos++; return new Token(TokenType.CloseBracket, "]", line);
        }
        if (Starts("${"))
            throw fail(line, "a plain value", "substitutions (${...}) are not supported in scenarios");
        if (Starts("+="))
            throw fail(line, "'=' or ':'", "'+=' is not supported in scenarios");
        if (Reserved.Contains(c))
            throw fail(line, "a key or a value", $"unexpected character '{c}' (quote text that contains it)");
        // Akka reads some of these as line breaks, others as spaces: only plain spaces and tabs are allowed.
        if (char.IsWhiteSpace(c) || char.IsControl(c))
            throw fail(line, "a space, a tab or a new line", $"unexpected character U+{(int)c:X4}");
        return new Token(TokenType.Text, ReadUnquoted(), line);
    }

    private bool Starts(string s) => string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0;

    private void SkipSpacesAndComments()
    {
        while (_pos < text.Length)
        {
            var c = text[_pos];
            if (c is ' ' or '\t' || Starts("\r\n"))
                _pos++;
            else if (c == '#' || Starts("//"))
                while (_pos < text.Length && text[_pos] != '\n')
                    _pos++;
            else
                return;
        }
    }

    private string ReadUnquoted()
    {
        var start = _pos;
        while (_pos < text.Length && !char.IsWhiteSpace(text[_pos]) && !char.IsControl(text[_pos]) && !Reserved.Contains(text[_pos]) && !Starts("//"))
            _pos++;
        return text[start.._pos];
    }

    private string ReadQuoted()
    {
        var line = _line;
        if (Starts("\"\"\""))
            throw fail(line, "a one-line \"string\"", "multi-line strings (\"\"\") are not supported in scenarios");
        _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= text.Length || text[_pos] == '\n')
                throw fail(line, "a closing '\"'", "unterminated string: expected a closing '\"' on the same line");
            var c = text[_pos++];
            if (c == '"')
                return value.ToString();
            value.Append(c == '\\' ? ReadEscape(line) : c);
        }
    }

    private char ReadEscape(int line)
    {
        var c = _pos < text.Length ? text[_pos++] : ' ';
        switch (c)
        {
            case '"' or '\\' or '/': return c;
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'u' when _pos + 4 <= text.Length && ushort.TryParse(text.AsSpan(_pos, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var code):
                _pos += 4;
                return (char)code;
            default:
                throw fail(line, "an escape among \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", $"unknown escape '\\{c}' in a string");
        }
    }
}
