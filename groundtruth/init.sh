#!/bin/sh
# /init of the ground-truth guest (busybox). Three roles, told apart by the kernel command line and
# by a boot counter kept in a memmap=-reserved page that survives the warm reset:
#   the kdump capture kernel (elfcorehdr= on the cmdline): report /proc/vmcore, then reboot -f;
#   a crash boot (counter <= GT_CRASHES): load ramoops, list pstore, arm the situation, crash;
#   the read-back boot (counter > GT_CRASHES): print every pstore file (base64) and power off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
. /gt.conf

if grep -q elfcorehdr= /proc/cmdline; then
    echo "GT: capture kernel booted"
    if [ -e /proc/vmcore ]; then
        echo "GT: /proc/vmcore present, $(stat -c %s /proc/vmcore) bytes"
    else
        echo "GT: /proc/vmcore missing"
    fi
    echo "GT: capture kernel reboot -f"
    reboot -f
    sleep 1000
fi

# The boot counter: 0x6774NNNN at GT_COUNTER_ADDR (cold RAM under QEMU reads 0).
word=$(devmem "$GT_COUNTER_ADDR" 32)
case "$word" in
    0x6774*) boot=$(( (word & 0xffff) + 1 )) ;;
    *) boot=1 ;;
esac
devmem "$GT_COUNTER_ADDR" 32 $(( 0x67740000 + boot ))
echo "GT: boot $boot (counter was $word)"

# ramoops is a module in Debian's kernel: hand it the ramoops.* parameters of the command line.
args=""
for p in $(cat /proc/cmdline); do
    case "$p" in ramoops.*) args="$args ${p#ramoops.}" ;; esac
done
insmod /lib/modules/reed_solomon.ko
insmod /lib/modules/ramoops.ko $args || echo "GT: insmod ramoops failed"
mkdir -p /sys/fs/pstore
mount -t pstore pstore /sys/fs/pstore 2>/dev/null
echo "GT: pstore files: $(ls /sys/fs/pstore | tr '\n' ' ')"

if [ "$boot" -gt "$GT_CRASHES" ]; then
    for f in /sys/fs/pstore/*; do
        [ -e "$f" ] || continue
        echo "GT-PSTORE-BEGIN $(basename "$f") $(stat -c %s "$f")"
        base64 "$f"
        echo "GT-PSTORE-END"
    done
    echo "GT: done"
    poweroff -f
    sleep 1000
fi

insmod /lib/modules/crashgt.ko
if [ "$GT_KDUMP" = 1 ]; then
    kexec -p /boot/vmlinuz --initrd=/boot/capture.cpio.gz --append="$GT_KDUMP_APPEND" \
        && echo "GT: kexec -p loaded: $(cat /sys/kernel/kexec_crash_loaded)"
fi
[ -n "$GT_SYSCTL" ] && sysctl -w $GT_SYSCTL
if [ -n "$GT_SPIN" ]; then
    echo "$GT_SPIN" > /proc/crashgt
    sleep 1
fi
echo "GT: trigger $GT_ACTION"
case "$GT_ACTION" in
    panic)      taskset 1 sh -c 'echo PANIC > /proc/crashgt' ;;
    spin-panic) taskset 1 sh -c "echo SPIN_PANIC $GT_LOCKUP_CPU > /proc/crashgt" ;;
    oops)       taskset 1 sh -c 'echo EXCEPTION > /proc/crashgt' ;;
    sysrq-c)    taskset 1 sh -c 'echo c > /proc/sysrq-trigger' ;;
    sysrq-b)    taskset 1 sh -c 'echo b > /proc/sysrq-trigger' ;;
    reboot-f)   reboot -f ;;
    softlockup) echo "SOFTLOCKUP $GT_LOCKUP_CPU" > /proc/crashgt ;;
    none)       ;;
esac
sleep "${GT_WAIT:-2}"
echo "GT: survived"
while :; do sleep 1000; done
