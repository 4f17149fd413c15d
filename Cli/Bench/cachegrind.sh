#!/bin/sh
# Cache misses per delivered message at several CPU counts, for exactly the measured emulations
# (diagnostics for issue 14's scaling; Actors/README.md "Cost per delivery as the CPU count grows").
#   Cli/Bench/cachegrind.sh BIN_DIR [CPUS] [LL]   e.g. Cli/Bench/cachegrind.sh .bin 512,1024,4096 2097152,16,64
# BIN_DIR: a published build (dotnet publish Cli -c Release -o DIR) that has `bench-scale`.
# LL: the simulated last-level cache as size,assoc,line (default 2 MiB: this machine's L2 per core);
# "host" simulates the host's own last level (here a 260 MiB L3).
# Needs valgrind (its callgrind.h) and gcc; slow (minutes per CPU count: the process start-up runs under
# valgrind too). One emulation after one warm-up run per CPU count; the JIT
# compiles everything fully optimised at first call (no tiering) so the dump holds no JIT work.
set -eu
bin=$1; cpus=${2:-512,1024,4096}; ll=${3:-2097152,16,64}
out=${CG_OUT:-/tmp/actorcrash-cachegrind}; mkdir -p "$out"
printf '#include <valgrind/callgrind.h>\nvoid cg_start(void){CALLGRIND_START_INSTRUMENTATION;}\nvoid cg_zero(void){CALLGRIND_ZERO_STATS;}\nvoid cg_dump(void){CALLGRIND_DUMP_STATS;}\n' > "$out/cgctl.c"
gcc -O1 -shared -fPIC -o "$out/libcgctl.so" "$out/cgctl.c"
llopt=""; [ "$ll" = host ] || llopt="--LL=$ll"
for n in $(echo "$cpus" | tr , ' '); do
  f="$out/cg-$n"; rm -f "$f" "$f".*
  ACTORCRASH_CALLGRIND_SHIM="$out/libcgctl.so" DOTNET_TieredCompilation=0 DOTNET_ReadyToRun=0 DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapEnabled=1 \
    valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes --dump-instr=yes --separate-threads=yes $llopt --callgrind-out-file="$f" \
    "$bin/actorcrash" bench-scale --cpus "$n" --repeats 1 --warmup 1 --messages 1 > "$f.log" 2>&1
  msgs=$(sed -n 's/.*messages_per_emulation=\([0-9.]*\).*emulations_per_sample=\([0-9]*\).*/\1 \2/p' "$f.log" | awk '{print $1*$2}')
  # the sample's dump is the last one (the first holds the marks' own set-up), of thread 1 only (the
  # emulations run there; other threads, e.g. the runtime's own, are not the emulation's cost and
  # vary between processes): events Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  last=$(ls "$f".[0-9]*-01 | sort -t. -k2 -n | tail -1)
  awk -v n="$n" -v m="$msgs" '/^summary:/ {printf "cpus=%s messages=%d ir_per_message=%.0f d1_misses_per_message=%.2f ll_misses_per_message=%.2f\n", n, m, $2/m, ($6+$7)/m, ($9+$10)/m}' "$last"
done
