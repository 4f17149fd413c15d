using ActorCrash.Actors.Kernel;
using ActorCrash.Actors.Runtime;
using Xunit;

namespace ActorCrash.Tests.Runtime;

/// <summary>
/// The trace's text form of a message on its own (issue 15): snake_case names, each field as
/// name=value in declaration order, strings quoted and escaped so one message is one line, enums as
/// snake_case words, numbers in their invariant form, byte buffers by length, nested records in
/// braces. A trace line is a contract (saved traces, golden digests), so every rule is pinned here.
/// </summary>
public class TraceTextTests
{
    public enum Reason { Panic, KmsgDumpOops }

    private sealed record InjectPanic(string Text) : Message;
    private sealed record NvramStore(int Offset, ReadOnlyMemory<byte> Bytes, bool Last) : Message;
    private sealed record StopCpu(Reason Why, long AtNs, string? Note) : Message;
    private sealed record Nested(Inner Part, IReadOnlyList<int> Cpus) : Message;
    private sealed record Inner(int A, string B);
    private sealed record Waiting(WaitChannel On) : Message;
    private sealed record Numbers(double Ratio, int Negative) : Message;
    private sealed record Empty : Message;

    [Fact]
    public void The_name_is_the_type_in_snake_case_and_each_field_follows_in_declaration_order()
    {
        Assert.Equal("inject_panic text=\"Fatal exception\"", TraceText.Describe(new InjectPanic("Fatal exception")));
        Assert.Equal("stop_cpu why=kmsg_dump_oops at_ns=1500 note=-", TraceText.Describe(new StopCpu(Reason.KmsgDumpOops, 1500, null)));
        Assert.Equal("empty", TraceText.Describe(new Empty()));
    }

    [Fact]
    public void A_byte_buffer_prints_its_length_and_a_bool_as_a_word()
    {
        Assert.Equal("nvram_store offset=512 bytes_bytes=3 last=true", TraceText.Describe(new NvramStore(512, new byte[] { 1, 2, 3 }, true)));
        Assert.Equal("nvram_store offset=0 bytes_bytes=0 last=false", TraceText.Describe(new NvramStore(0, ReadOnlyMemory<byte>.Empty, false)));
    }

    [Fact]
    public void Quotes_backslashes_newlines_and_control_characters_are_escaped_so_a_message_is_one_line()
    {
        Assert.Equal("inject_panic text=\"say \\\"hi\\\" C:\\\\x\\nnext\\x09tab\\x00\"",
            TraceText.Describe(new InjectPanic("say \"hi\" C:\\x\nnext\ttab\0")));
        Assert.Equal("inject_panic text=\"\"", TraceText.Describe(new InjectPanic("")));
    }

    [Fact]
    public void Nested_records_print_in_braces_lists_in_brackets_and_a_wait_channel_by_name()
    {
        Assert.Equal("nested part={inner a=1 b=\"x\"} cpus=[0,2,3]", TraceText.Describe(new Nested(new Inner(1, "x"), [0, 2, 3])));
        Assert.Equal("nested part={inner a=-4 b=\"\"} cpus=[]", TraceText.Describe(new Nested(new Inner(-4, ""), [])));
        Assert.Equal("waiting on=logbuf_lock", TraceText.Describe(new Waiting(new WaitChannel("logbuf_lock"))));
    }

    [Fact]
    public void Numbers_print_plainly_in_the_invariant_form()
    {
        Assert.Equal("numbers ratio=1.5 negative=-3", TraceText.Describe(new Numbers(1.5, -3)));
    }

    [Theory]
    [InlineData("InjectPanic", "inject_panic")]
    [InlineData("NmiWatchdog", "nmi_watchdog")]
    [InlineData("Panic", "panic")]
    [InlineData("A", "a")]
    [InlineData("IPIStop", "ipi_stop")]          // an acronym stays one word; the next word starts at its last capital
    [InlineData("StopIPI", "stop_ipi")]
    [InlineData("KmsgDumpKEXEC", "kmsg_dump_kexec")]
    [InlineData("Vector0xF8", "vector0x_f8")]
    [InlineData("cpu", "cpu")]
    public void Snake_splits_words_at_capitals_and_keeps_acronyms_together(string name, string snake) =>
        Assert.Equal(snake, TraceText.Snake(name));
}
