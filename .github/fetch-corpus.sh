#!/usr/bin/env bash
# Fetches the shared corpus of real archives the tests read in place
# (../shared/corpus beside the checkout) onto a machine that lacks it, such
# as a CI runner: every file .github/corpus.txt lists, from GitHub at the
# commit it was copied from, each checked against its sha256.
#
#   .github/fetch-corpus.sh [DEST]     # DEST defaults to ../shared/corpus
#
# Files already there with the right hash are kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/../shared/corpus}"

n=0
while read -r file repo commit sha256; do
    [[ -z $file || $file == \#* ]] && continue
    out="$DEST/$file"
    if [[ ! -f $out ]] || ! echo "$sha256  $out" | sha256sum --check --status; then
        mkdir -p "$(dirname "$out")"
        curl --fail --silent --show-error --location --retry 3 --output "$out" \
            "https://raw.githubusercontent.com/$repo/$commit/${file#*/}"
        echo "$sha256  $out" | sha256sum --check --quiet
    fi
    n=$((n + 1))
done <"$ROOT/.github/corpus.txt"
echo "fetch-corpus: $n files in $DEST"
