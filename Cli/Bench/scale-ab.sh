#!/bin/sh
# Thread CPU per emulation of two builds, their processes alternated (old, new, old, new, …) at each
# CPU count, for a side-by-side comparison on a shared machine (Actors/README.md, "scale3").
#   Cli/Bench/scale-ab.sh OLD_BIN_DIR NEW_BIN_DIR [PAIRS] [CPUS] [MESSAGES]
# e.g. Cli/Bench/scale-ab.sh /work/new-bin3 .bin 7 512,1024,4096
# Each process measures one CPU count (`bench-scale --cpus N --repeats 5`, its median of 5); the
# script prints every process's figure and, per build and CPU count, the median over the pairs, the
# median of the paired ratios new/old, and the local exponents of the medians. Works with
# bench_scale_output_version 1 and 2 (it reads `cpu_us_per_emulation=` of the `cpus=` line).
set -eu
old=$1; new=$2; pairs=${3:-7}; cpus=${4:-512,1024,4096}; messages=${5:-50000}
out=$(mktemp)
for p in $(seq 1 "$pairs"); do
  for n in $(echo "$cpus" | tr , ' '); do
    for b in old new; do
      dir=$old; [ $b = new ] && dir=$new
      us=$("$dir/actorcrash" bench-scale --cpus "$n" --repeats 5 --messages "$messages" | sed -n 's/^cpus=[0-9]* .*cpu_us_per_emulation=\([0-9.]*\).*/\1/p')
      echo "pair=$p build=$b cpus=$n cpu_us_per_emulation=$us" | tee -a "$out"
    done
  done
done
awk '
  { split($2,b,"="); split($3,c,"="); split($4,u,"="); split($1,p,"=");
    v[b[2] " " c[2]] = v[b[2] " " c[2]] " " u[2]; x[b[2] " " c[2] " " p[2]] = u[2]; sizes[c[2]] = 1; np = p[2] }
  function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END {
    m = 0; for (s in sizes) cs[++m] = s + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (cs[j] < cs[i]) { t = cs[i]; cs[i] = cs[j]; cs[j] = t }
    for (i = 1; i <= m; i++) {
      n = cs[i]; r = ""; for (q = 1; q <= np; q++) r = r " " x["new " n " " q] / x["old " n " " q]
      mo[i] = median(v["old " n]); mn[i] = median(v["new " n])
      printf "cpus=%d old_median_us=%.1f new_median_us=%.1f median_paired_ratio_new_old=%.3f", n, mo[i], mn[i], median(r)
      if (i > 1) printf " old_local_exponent=%.3f new_local_exponent=%.3f", log(mo[i] / mo[i-1]) / log(n / cs[i-1]), log(mn[i] / mn[i-1]) / log(n / cs[i-1])
      printf "\n" } }' "$out"
rm -f "$out"
