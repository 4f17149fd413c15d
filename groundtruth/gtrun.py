#!/usr/bin/env python3
"""Run one ground-truth situation in QEMU and record what happened, timed from QEMU's side.

The guest's printk clock stops once panic() disables interrupts under TCG, so every wait is timed
here: each serial line and each QMP event gets a host monotonic timestamp (seconds since QEMU was
started). Writes into --out: serial.log (the serial console, CR removed), timings.tsv
(time, source, text), pstore/ (the files the read-back boot printed), command.txt (the QEMU argv).
"""
import argparse, base64, json, os, re, shlex, socket, subprocess, sys, threading, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--append", required=True)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--mem", default="1024")
    ap.add_argument("--reset-after", type=float, default=0,
                    help="press reset (QMP system_reset) this many seconds after the trigger line (0: never)")
    ap.add_argument("--timeout", type=float, default=400)
    ap.add_argument("--max-boots", type=int, default=4, help="kill QEMU when the kernel starts more often than this")
    a = ap.parse_args()

    os.makedirs(os.path.join(a.out, "pstore"), exist_ok=True)
    qmp_path = os.path.join(a.out, ".qmp.sock")
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    argv = [a.qemu, "-machine", "pc", "-accel", "tcg", "-smp", str(a.cpus), "-m", a.mem,
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-qmp", f"unix:{qmp_path},server=on,wait=off",
            "-kernel", a.kernel, "-initrd", a.initrd, "-append", a.append]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    events = []          # (t, source, text)
    lock = threading.Lock()

    def note(source, text):
        with lock:
            events.append((time.monotonic() - t0, source, text))

    qmp = None
    for _ in range(200):
        try:
            qmp = socket.socket(socket.AF_UNIX)
            qmp.connect(qmp_path)
            break
        except OSError:
            qmp = None
            time.sleep(0.05)
    if qmp is None:
        proc.kill()
        sys.exit("gtrun: cannot connect to QMP")
    qf = qmp.makefile("rwb", buffering=0)
    qf.readline()  # greeting
    qf.write(b'{"execute":"qmp_capabilities"}\n')

    def qmp_reader():
        for raw in qf:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if "event" in msg:
                data = msg.get("data", {})
                note("qmp", msg["event"] + "".join(f" {k}={json.dumps(v)}" for k, v in sorted(data.items())))
    threading.Thread(target=qmp_reader, daemon=True).start()

    def stderr_reader():
        for raw in proc.stderr:
            note("qemu-stderr", raw.decode("utf-8", "replace").rstrip("\n"))
    threading.Thread(target=stderr_reader, daemon=True).start()

    reset_at = None
    reset_done = False
    serial = []
    pstore_name, pstore_b64 = None, []

    def press_reset(why):
        nonlocal reset_done
        reset_done = True
        note("host", f"system_reset ({why})")
        qf.write(b'{"execute":"system_reset"}\n')

    # Serial lines are read on this thread; a timer thread presses reset when asked.
    def watchdog():
        while proc.poll() is None:
            now = time.monotonic() - t0
            if reset_at is not None and not reset_done and now >= reset_at:
                press_reset(f"{a.reset_after:g} s after the trigger")
            if now > a.timeout:
                note("host", f"timeout after {a.timeout:g} s: QEMU killed")
                proc.kill()
            time.sleep(0.05)
    threading.Thread(target=watchdog, daemon=True).start()

    live = open(os.path.join(a.out, ".serial.live"), "w")  # the console as it comes, to watch a run
    buf = b""
    boots = 0
    while True:
        chunk = proc.stdout.read1(4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode("utf-8", "replace").replace("\r", "")
            note("serial", line)
            serial.append(line)
            live.write(line + "\n")
            live.flush()
            if "] Linux version " in line:
                boots += 1
                if boots > a.max_boots:
                    note("host", f"boot {boots} > --max-boots {a.max_boots}: QEMU killed")
                    proc.kill()
            if line.startswith("GT: trigger") and a.reset_after > 0 and reset_at is None:
                reset_at = time.monotonic() - t0 + a.reset_after
            if line.startswith("GT: survived") and not reset_done:
                press_reset("the guest survived")
            if line.startswith("GT-PSTORE-BEGIN "):
                pstore_name, pstore_b64 = line.split()[1], []
            elif line.startswith("GT-PSTORE-END") and pstore_name:
                with open(os.path.join(a.out, "pstore", pstore_name), "wb") as f:
                    f.write(base64.b64decode("".join(pstore_b64)))
                pstore_name = None
            elif pstore_name:
                pstore_b64.append(line.strip())
    if buf:
        note("serial", buf.decode("utf-8", "replace").replace("\r", ""))
        serial.append(buf.decode("utf-8", "replace").replace("\r", ""))
    rc = proc.wait()
    live.close()
    os.unlink(live.name)
    note("host", f"qemu exited {rc}")
    time.sleep(0.1)

    with open(os.path.join(a.out, "serial.log"), "w") as f:
        f.write("\n".join(serial) + "\n")
    with open(os.path.join(a.out, "timings.tsv"), "w") as f:
        f.write("# groundtruth timings schema_version 1\n")
        f.write("# host monotonic seconds since QEMU started\tsource\ttext\n")
        for t, source, text in sorted(events, key=lambda e: e[0]):
            f.write(f"{t:.3f}\t{source}\t{text}\n")
    with open(os.path.join(a.out, "command.txt"), "w") as f:
        f.write(" ".join(shlex.quote(x) for x in argv) + "\n")
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)


if __name__ == "__main__":
    main()
