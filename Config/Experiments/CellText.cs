using System.Text;

namespace ActorCrash.Config.Experiments;

/// <summary>
/// The text of a cell's scenario, put together from pieces of the experiment and scenario files,
/// remembering where each line came from so that an error the scenario loader reports in the
/// assembled text points at the file and line the user wrote.
/// </summary>
internal sealed class CellText
{
    private readonly StringBuilder _text = new();
    private readonly List<(string Source, int Line)> _origin = [];

    public CellText() { }

    private CellText(CellText other)
    {
        _text.Append(other._text);
        _origin.AddRange(other._origin);
    }

    public CellText Copy() => new(this);

    /// <summary>Appends <paramref name="text"/>, whose first line is line <paramref name="line"/> of <paramref name="source"/>, ending with a new line.</summary>
    public void Add(string text, string source, int line)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            _text.Append(lines[i]).Append('\n');
            _origin.Add((source, line > 0 ? line + i : 0));
        }
    }

    public override string ToString() => _text.ToString();

    /// <summary>Where line <paramref name="line"/> (1-based) of the text came from; (fallback, 0) when nowhere.</summary>
    public (string Source, int Line) Origin(int line, string fallback) =>
        line >= 1 && line <= _origin.Count ? _origin[line - 1] : (fallback, 0);
}
