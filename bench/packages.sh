#!/usr/bin/env bash
# The packages benchmark: what reading the package databases costs on the
# large benchmark image with databases added. The image of bench/run.sh
# (1 GB, ~100k paths) gets one more layer (umoci insert) with this machine's
# dpkg database (status and every info/*.list: ~840 packages) and this
# repository's node_modules (npm's package.json files), so there is
# something to read. Measured, interleaved, RUNS times each:
#
#   inspect    layerscope inspect (text: no packages pass)
#   packages   layerscope packages --json (the same read plus the pass)
#   json       layerscope inspect --json (the report, packages section included)
#   before     BEFORE=<binary> inspect --json, a layerscope built before
#              package databases were kept (optional), for the scan's cost
#
# Not part of the tests; see docs/benchmarks.md.
#
#   bench/packages.sh            # RUNS=3 by default
#   BEFORE=/tmp/ls-before bench/packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench/run.sh --image-only
cargo build --release -q -p layerscope
LAYERSCOPE=$ROOT/target/release/layerscope
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (bench/run.sh installs it)"
[[ -f /var/lib/dpkg/status ]] || die "no /var/lib/dpkg/status on this machine"
[[ -d $ROOT/node_modules ]] || die "node_modules missing (scripts/setup installs it)"

WITH=$IMG/packages-docker-archive.tar
if [[ ! -f $WITH ]]; then
    say "adding a layer of package databases (umoci insert, then skopeo)"
    SRC=$(mktemp -d)
    mkdir -p "$SRC/var/lib/dpkg/info" "$SRC/app"
    cp /var/lib/dpkg/status "$SRC/var/lib/dpkg/"
    cp /var/lib/dpkg/info/*.list "$SRC/var/lib/dpkg/info/"
    cp -a "$ROOT/node_modules" "$SRC/app/node_modules"
    umoci insert --image "$IMG/oci:bench" --tag packages \
        --history.created_by "package databases (bench/packages.sh)" "$SRC" /
    rm -rf "$SRC"
    skopeo copy --quiet "oci:$IMG/oci:packages" "docker-archive:$WITH:bench:packages"
fi

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
RAW=$SCRATCH/raw.tsv
run() {
    local key=$1
    shift
    /usr/bin/time -f '%e %M' -o "$SCRATCH/time" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr" ||
        { tail -n 5 "$SCRATCH/stderr" >&2; die "$key failed: $*"; }
    read -r secs kib < <(tail -n 1 "$SCRATCH/time")
    printf '%s\t%s\t%s\n' "$key" "$secs" "$kib" >>"$RAW"
    say "  $key: ${secs}s, $((kib / 1024)) MiB"
}
cat "$WITH" >/dev/null
for ((r = 1; r <= RUNS; r++)); do
    say "run $r of $RUNS"
    run inspect "$LAYERSCOPE" inspect "$WITH"
    run packages "$LAYERSCOPE" packages --json "$WITH"
    run json "$LAYERSCOPE" inspect --json "$WITH"
    if [[ -n ${BEFORE:-} ]]; then run before "$BEFORE" inspect --json "$WITH"; fi
done
"$LAYERSCOPE" packages "$WITH" | tail -n 25 >"$OUT/packages-summary.txt"

python3 - "$RAW" "$(stat -c %s "$WITH")" <<PY
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    k, s, kib = line.split("\t")
    runs.setdefault(k, []).append((float(s), int(kib)))
size = int(sys.argv[2])
rows = [
    ("inspect", "layerscope inspect (text; no packages pass)"),
    ("packages", "layerscope packages --json"),
    ("json", "layerscope inspect --json (the report, packages section included)"),
    ("before", "layerscope inspect --json, built before databases were kept"),
]
print(f"The bench image plus a layer of package databases ({size / 1e9:.2f} GB):\n")
print("| Command | Wall, median (s) | Wall, best (s) | Peak RSS, median (MiB) |")
print("|---|---:|---:|---:|")
med = lambda k, i: statistics.median(x[i] for x in runs[k])
for k, what in rows:
    if k in runs:
        r = runs[k]
        print(f"| {what} | {med(k, 0):.2f} | {min(x[0] for x in r):.2f} | {med(k, 1) / 1024:.0f} |")
print()
print(f"packages / inspect: time {med('packages', 0) / med('inspect', 0):.3f}x, peak RSS {med('packages', 1) / med('inspect', 1):.3f}x (target: at most 1.05x)")
if "before" in runs:
    print(f"inspect --json now / before: time {med('json', 0) / med('before', 0):.3f}x, peak RSS {med('json', 1) / med('before', 1):.3f}x")
PY
