#!/bin/bash
# Regenerate the ground-truth recordings: groundtruth/record.sh [SITUATION...]  (default: all)
# Installs what it needs with apt, builds the crash module and the initramfs, runs every situation in
# QEMU (TCG) and writes tests/groundtruth/<situation>/. See groundtruth/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${GT_BUILD:-$repo/groundtruth/.build}
out=${GT_OUT:-$repo/tests/groundtruth}

# --- 1. packages (Debian bookworm) ---------------------------------------------------------------
pkgs="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static kexec-tools cpio gzip gcc make libc6-dev python3"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    echo "record.sh: apt-get install$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
kver=$(dpkg -s linux-image-amd64 | sed -n 's/^Depends: linux-image-\([^ ,]*\).*/\1/p')
vmlinuz=/boot/vmlinuz-$kver
[ -r "$vmlinuz" ] || { echo "record.sh: $vmlinuz missing" >&2; exit 2; }
mods=/lib/modules/$kver/kernel
python=/usr/bin/python3

# --- 2. the crash module, against the installed kernel's headers --------------------------------
mkdir -p "$build/module"
cp "$here/module/crashgt.c" "$here/module/Kbuild" "$build/module/"
make -s -C "/lib/modules/$kver/build" M="$build/module" modules >/dev/null

# --- 3. the initramfs: busybox, kexec, the modules, the kernel and a capture initramfs ---------
root=$build/root
rm -rf "$root" && mkdir -p "$root"/{bin,lib/modules,proc,sys,dev,boot,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"; done
cp "$here/init.sh" "$root/init"
echo "[ -r /gt-situation.conf ] && . /gt-situation.conf" > "$root/gt.conf"
# the capture kernel's initramfs: busybox and /init only
(cd "$root" && find bin init gt.conf proc sys dev | cpio -o -H newc --quiet | gzip -1) > "$build/capture.cpio.gz"
cp "$(command -v kexec)" "$root/bin/kexec"
for lib in $(ldd "$(command -v kexec)" | grep -o '/[^ ]*'); do cp -L "$lib" "$root$lib"; done
cp "$mods/lib/reed_solomon/reed_solomon.ko" "$mods/fs/pstore/ramoops.ko" "$build/module/crashgt.ko" "$root/lib/modules/"
cp "$vmlinuz" "$root/boot/vmlinuz"
cp "$build/capture.cpio.gz" "$root/boot/capture.cpio.gz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$build/base.cpio.gz"
cp "$vmlinuz" "$build/vmlinuz"

# --- 4. the situations ----------------------------------------------------------------------------
# Every situation runs on the same machine: BASE_CMDLINE, ramoops on a 64 KiB memmap=-reserved region
# (16 records of 4 KiB, no console or pmsg zone: Debian's 6.1 builds neither), the boot counter in a
# second reserved page.
BASE_CMDLINE='console=ttyS0,115200 memmap=64K$0x8000000 memmap=4K$0x8100000 ramoops.mem_address=0x8000000 ramoops.mem_size=0x10000 ramoops.record_size=0x1000'
situations=("$@")
[ ${#situations[@]} -gt 0 ] || situations=($(cd "$here/situations" && ls *.conf | sed 's/\.conf$//'))
start=$(date +%s)
for s in "${situations[@]}"; do
    conf=$here/situations/$s.conf
    [ -r "$conf" ] || { echo "record.sh: no situation $s ($conf)" >&2; exit 2; }
    # defaults, then the situation's own settings
    CPUS=2 CMDLINE="" ACTION=panic SPIN="" LOCKUP_CPU=1 KDUMP=0 KDUMP_APPEND="" CRASHES=1 WAIT=2 RESET_AFTER=0 SYSCTL="" TIMEOUT=400 DESC=""
    . "$conf"
    cmdline="$BASE_CMDLINE $CMDLINE"
    [ "$KDUMP" = 1 ] && cmdline="$cmdline crashkernel=256M"
    # the situation's settings reach the guest as /gt-situation.conf in a second cpio appended to the first
    sit=$build/sit-$s && rm -rf "$sit" && mkdir -p "$sit"
    cat > "$sit/gt-situation.conf" <<CONF
GT_ACTION='$ACTION'
GT_SPIN='$SPIN'
GT_LOCKUP_CPU='$LOCKUP_CPU'
GT_KDUMP='$KDUMP'
GT_KDUMP_APPEND='console=ttyS0,115200 nr_cpus=1 irqpoll reset_devices panic=5 $KDUMP_APPEND'
GT_CRASHES='$CRASHES'
GT_WAIT='$WAIT'
GT_SYSCTL='$SYSCTL'
GT_COUNTER_ADDR=0x8100000
CONF
    (cd "$sit" && echo gt-situation.conf | cpio -o -H newc --quiet | gzip -1) > "$sit/extra.cpio.gz"
    cat "$build/base.cpio.gz" "$sit/extra.cpio.gz" > "$build/initrd-$s.cpio.gz"
    dest=$out/$s
    # the recording's own files only: scenario.hocon (the emulator's side) stays
    rm -rf "$dest/pstore" "$dest/serial.log" "$dest/timings.tsv" "$dest/command.txt" "$dest/situation.txt" && mkdir -p "$dest"
    echo "record.sh: $s ($DESC): $CPUS CPUs, cmdline: $cmdline"
    t=$(date +%s)
    (cd "$build" && "$python" "$here/gtrun.py" --out "$dest" --kernel vmlinuz --initrd "initrd-$s.cpio.gz" \
        --append "$cmdline" --cpus "$CPUS" --reset-after "$RESET_AFTER" --timeout "$TIMEOUT" --max-boots $(( CRASHES + 1 + KDUMP * CRASHES )))
    { echo "# $s: $DESC"; echo "kernel $kver (Debian linux-image-amd64), QEMU $(qemu-system-x86_64 --version | head -1)"
      echo "cpus $CPUS"; echo "cmdline $cmdline"; cat "$sit/gt-situation.conf"; } > "$dest/situation.txt"
    echo "record.sh: $s done in $(( $(date +%s) - t )) s: pstore: $(ls "$dest/pstore" | tr '\n' ' ')"
done
echo "record.sh: ${#situations[@]} situations in $(( $(date +%s) - start )) s"
