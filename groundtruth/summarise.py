#!/usr/bin/env python3
"""Summarise recordings for tests/groundtruth/README.md: per situation, the cmdline, the panic-path
console lines after the trigger (host time since the trigger), the resets and the pstore headers."""
import os, re, sys

KEEP = re.compile(r"Kernel panic|end Kernel panic|Rebooting in|Shutting down cpus|Oops:|BUG:|sysrq:|watchdog:|"
                  r"Restarting system|end trace|GT: capture|vmcore|NMI backtrace|Fixing recursive")
STAMP = re.compile(r"^\[ *[0-9.]+\] ")
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    if not os.path.exists(os.path.join(d, "timings.tsv")):
        continue
    sit = open(os.path.join(d, "situation.txt")).read().splitlines()
    desc = sit[0].split(": ", 1)[1]
    cpus = next(l for l in sit if l.startswith("cpus "))[5:]
    cmd = next(l for l in sit if l.startswith("cmdline "))[8:]
    cmd = cmd.split("ramoops.record_size=0x1000", 1)[1].strip()
    print(f"### {name}\n\n{desc}. {cpus} CPUs; cmdline: base + `{cmd}`\n")
    t0 = None
    lines = []
    for raw in open(os.path.join(d, "timings.tsv")):
        if raw.startswith("#"):
            continue
        t, src, text = raw.rstrip("\n").split("\t", 2)
        t = float(t)
        if src == "serial" and (text.startswith("GT: trigger") or "crashgt: Performing direct entry" in text) and t0 is None:
            t0 = t
            lines.append(f"+0.000 s  {text}")
            continue
        if t0 is None:
            continue
        if src == "serial" and "] Linux version" in text:
            lines.append(f"+{t - t0:.3f} s  (next boot: Linux version ...)")
        elif src == "serial" and KEEP.search(text):
            bare = STAMP.sub("", text)
            lines.append(f"+{t - t0:.3f} s  {bare}")
        elif src == "serial" and text.startswith(("GT: boot", "GT: survived", "GT: trigger")):
            lines.append(f"+{t - t0:.3f} s  {text}")
        elif src in ("qmp", "host") and not text.startswith("qemu exited"):
            lines.append(f"+{t - t0:.3f} s  [{src}] {text}")
    print("```\n" + "\n".join(lines) + "\n```\n")
    pst = os.path.join(d, "pstore")
    files = sorted(os.listdir(pst)) if os.path.isdir(pst) else []
    heads = []
    for f in files:
        txt = open(os.path.join(pst, f), errors="replace").read()
        ecc = [l for l in txt.splitlines() if l.startswith("ECC:")]
        heads.append(f"`{f}` ({len(txt)} bytes): `{txt.splitlines()[0] if txt else ''}`" + (f", `{ecc[0]}`" if ecc else ""))
    print("pstore after the reset: " + ("; ".join(heads) if heads else "none") + "\n")
