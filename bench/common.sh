# Sourced by the benchmark scripts (bench/run.sh, bench/diff.sh): settings,
# where things are, and how they speak.
set -euo pipefail
export LC_ALL=C TZ=UTC

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=$ROOT/bench/out
IMG=$OUT/image
RUNS=${RUNS:-3}
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
