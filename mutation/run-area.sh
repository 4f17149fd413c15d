#!/bin/sh
# Runs one area's mutation config (mutation/<area>.json) on a private copy of the source tree, so the
# worktree stays free to build and test while it runs; the report lands in StrykerOutput/<area>/.
# usage: mutation/run-area.sh <area> [stryker options]   e.g. mutation/run-area.sh kernel   (see mutation/README.md)
# ACTORCRASH_GOLDEN_SEEDS (default 50 here) bounds the golden-trace seeds each mutant is checked on.
# STRYKER_COPY and STRYKER_OUT override the copy and the report folder, for two runs of one area at once.
set -eu
area=$1
shift
export ACTORCRASH_GOLDEN_SEEDS=${ACTORCRASH_GOLDEN_SEEDS:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
copy=${STRYKER_COPY:-/tmp/stryker-$(basename "$root")-$area}
out=${STRYKER_OUT:-$root/StrykerOutput/$area}
project=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['stryker-config']['project'])" "$root/mutation/$area.json")
dir=$(basename "$project" .csproj)
rm -rf "$copy" && mkdir -p "$copy"
tar -C "$root" --exclude=./.git --exclude=bin --exclude=obj --exclude=./StrykerOutput -cf - . | tar -C "$copy" -xf -
cd "$copy/$dir"
dotnet tool restore >/dev/null
dotnet stryker --config-file "../mutation/$area.json" --output "$out" "$@"
python3 "$root/mutation/summarise.py" "$out/reports/mutation-report.json"
