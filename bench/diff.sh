#!/usr/bin/env bash
# The comparison benchmark: `layerscope diff` on the large benchmark image
# against a variant of it with its last layer replaced (bench/variant.py),
# and against itself stored otherwise (docker archive, plain layers, against
# the OCI archive, gzip layers: every layer the same files in another blob).
# Beside them, `layerscope inspect` of one side, for scale. No peer tool
# compares two local images, so there is no peer column. Not part of the
# tests; see docs/benchmarks.md.
#
#   bench/diff.sh            # RUNS=3 by default
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench/run.sh --image-only
cargo build --release -q -p layerscope
LAYERSCOPE=$ROOT/target/release/layerscope
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (bench/run.sh installs it)"

VARIANT=$IMG/variant-oci-archive.tar
STAMP="$IMG/.variant-$(sha256sum bench/variant.py | cut -c1-16)"
if [[ ! -f $STAMP ]]; then
    say "making the variant (bench/variant.py, then skopeo)"
    python3 bench/variant.py "$IMG/oci"
    rm -f "$VARIANT"
    skopeo copy --quiet "oci:$IMG/oci:variant" "oci-archive:$VARIANT:variant"
    touch "$STAMP"
fi
DOCKER=$IMG/docker-archive.tar
OCI=$IMG/oci-archive.tar

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
RAW=$SCRATCH/raw.tsv
# measure KEY CMD...: RUNS runs; "KEY<TAB>wall s<TAB>maxrss KiB" per run.
# `diff` exits 1 when the images differ: that is not a failure here.
measure() {
    local key=$1
    shift
    for ((r = 1; r <= RUNS; r++)); do
        local status=0
        /usr/bin/time -f '%e %M' -o "$SCRATCH/time" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr" || status=$?
        ((status <= 1)) || { tail -n 5 "$SCRATCH/stderr" >&2; die "$key failed: $*"; }
        # GNU time writes "Command exited with non-zero status 1" first when diff says "different".
        read -r secs kib < <(tail -n 1 "$SCRATCH/time")
        printf '%s\t%s\t%s\n' "$key" "$secs" "$kib" >>"$RAW"
        say "  $key run $r: ${secs}s, $((kib / 1024)) MiB"
    done
}
cat "$DOCKER" "$OCI" "$VARIANT" >/dev/null
measure inspect "$LAYERSCOPE" inspect --json "$OCI"
measure variant "$LAYERSCOPE" diff --json "$OCI" "$VARIANT"
measure recompressed "$LAYERSCOPE" diff --json "$DOCKER" "$OCI"
"$LAYERSCOPE" diff "$OCI" "$VARIANT" >"$OUT/diff-variant.txt" || true

python3 - "$RAW" <<PY
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    k, s, kib = line.split("\t")
    runs.setdefault(k, []).append((float(s), int(kib)))
rows = [
    ("inspect", "layerscope inspect --json oci-archive.tar (one side, for scale)"),
    ("variant", "layerscope diff --json oci-archive.tar variant (last layer replaced)"),
    ("recompressed", "layerscope diff --json docker-archive.tar oci-archive.tar (same files, other blobs)"),
]
print("| Command | Wall, median (s) | Wall, best (s) | Peak RSS, median (MiB) |")
print("|---|---:|---:|---:|")
for k, what in rows:
    r = runs[k]
    print(f"| {what} | {statistics.median(x[0] for x in r):.2f} | {min(x[0] for x in r):.2f} | {statistics.median(x[1] for x in r) / 1024:.0f} |")
PY
say "the summary of the variant: $OUT/diff-variant.txt"
