#!/usr/bin/env python3
"""Write the small synthetic image archives in dive-synthetic/.

Each archive isolates one behaviour of dive 0.13.1's efficiency figures (see
docs/waste.md); refresh-dive.sh runs dive on them and records its output in
dive-0.13.1-synthetic.json, and tests/dive_parity.rs checks `dive::figures`
against that record. The output is byte-for-byte deterministic: run this
script again and `git status` shows no change (given the same zlib for the
gzip layers of oci-no-manifest.tar).

Usage: make-dive-synthetic.py [OUT_DIR]   (default: dive-synthetic/ next to this file)
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

# Pad each tar to 1 KiB records instead of 10 KiB: the archives stay small.
tarfile.RECORDSIZE = 1024


def content(name, size):
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def layer_tar(entries):
    """entries: (kind, name, arg) with kind f=file (arg=size), d=dir,
    l=hard link (arg=target), s=symlink (arg=target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for kind, name, arg in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            data = None
            if kind == "f":
                info.type = tarfile.REGTYPE
                info.mode = 0o644
                data = content(name, arg)
                info.size = len(data)
            elif kind == "d":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            elif kind == "l":
                info.type = tarfile.LNKTYPE
                info.mode = 0o644
                info.linkname = arg
            elif kind == "s":
                info.type = tarfile.SYMTYPE
                info.mode = 0o777
                info.linkname = arg
            else:
                raise ValueError(kind)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.mode = 0o644
    info.uname = info.gname = ""
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def config_json(layer_blobs):
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha256(b) for b in layer_blobs]},
            "history": [{"created_by": "layer %d" % i} for i in range(len(layer_blobs))],
        },
        sort_keys=True,
    ).encode()


def docker_archive(path, layers, symlinked=None):
    """A `docker save`-style archive. symlinked maps a layer index to the index
    of an earlier layer whose layer.tar it points to (as old docker save did for
    identical layers)."""
    symlinked = symlinked or {}
    blobs = [layer_tar(entries) for entries in layers]
    for idx, target in symlinked.items():
        blobs[idx] = blobs[target]
    config = config_json(blobs)
    config_name = sha256(config) + ".json"
    layer_paths = ["%02d/layer.tar" % i for i in range(len(blobs))]
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["synthetic:latest"], "Layers": layer_paths}]
    ).encode()
    with tarfile.open(path, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, config_name, config)
        for i, (layer_path, blob) in enumerate(zip(layer_paths, blobs)):
            if i in symlinked:
                info = tarfile.TarInfo(layer_path)
                info.mtime = 0
                info.type = tarfile.SYMTYPE
                info.mode = 0o777
                info.uname = info.gname = ""
                info.linkname = "../%s" % layer_paths[symlinked[i]]
                tar.addfile(info)
            else:
                add_bytes(tar, layer_path, blob)
        add_bytes(tar, "manifest.json", manifest)


def oci_archive(path, layers):
    """An OCI image layout in a tar, without docker's manifest.json (like
    `skopeo copy ... oci-archive:`): gzip layers, one image."""
    raw = [layer_tar(entries) for entries in layers]
    gz = []
    for blob in raw:
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
            g.write(blob)
        gz.append(out.getvalue())
    config = config_json(raw)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + sha256(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": "sha256:" + sha256(b),
                    "size": len(b),
                }
                for b in gz
            ],
        },
        sort_keys=True,
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + sha256(manifest),
                    "size": len(manifest),
                }
            ],
        },
        sort_keys=True,
    ).encode()
    with tarfile.open(path, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(tar, "index.json", index)
        for blob in [manifest, config] + gz:
            add_bytes(tar, "blobs/sha256/" + sha256(blob), blob)


def ties_sizes(count):
    """Sizes with many repeats in a scrambled order, so that Go's unstable
    pdqsort (sort.Sort) reorders equal sizes, partition imbalance included."""
    state = 0x2545F491
    sizes = []
    for _ in range(count):
        state = (state * 1103515245 + 12345) % (1 << 31)
        sizes.append(1 + (state >> 16) % 4)
    return sizes


CASES = {
    # The worked example of docs/waste.md.
    "docs-worked-example": [
        [("d", "etc/", 0), ("f", "etc/conf", 10), ("f", "bin/tool", 100)],
        [("d", "etc/", 0), ("f", "etc/conf", 12), ("d", "cache/", 0), ("f", "cache/big", 50)],
        [("f", ".wh.cache", 0), ("d", "etc/", 0), ("f", "etc/conf", 12)],
    ],
    # A whiteout of a directory counts the whole lower subtree (the directory
    # entry included); a whiteout of a file counts 0 bytes.
    "whiteout-dir": [
        [("d", "a/", 0), ("f", "a/x", 100), ("d", "a/sub/", 0), ("f", "a/sub/y", 50), ("f", "b", 7)],
        [("d", "a/", 0), ("f", "a/.wh.sub", 0), ("f", "a/x", 100)],
        [("f", ".wh.a", 0), ("f", ".wh.b", 0)],
        [("f", "a", 1)],
    ],
    # A whiteout of a path missing below makes dive's visitor fail: the rest of
    # that layer (in sorted tree order) is never visited, and the failed path
    # still counts -1 byte in the score's numerator.
    "whiteout-missing": [
        [("f", "b", 10), ("f", "c", 20)],
        [("f", "a/.wh.gone", 0), ("f", "b", 15), ("f", "c", 25)],
        [("f", ".wh.nothing", 0), ("f", "b", 30)],
    ],
    # The same in the first layer: nothing of it after the whiteout is seen.
    "whiteout-first-layer": [
        [("f", ".wh.ghost", 0), ("f", "a", 5), ("f", "b", 6)],
        [("f", "a", 5)],
    ],
    # Layer 0 is stacked twice (StackTreeRange copies it, then stacks it again):
    # a whiteout in layer 0 that sorts after its target ("-x" < ".wh.-x")
    # removes it from the tree that layer 1's whiteouts look into.
    "first-layer-twice": [
        [("f", "-x", 5), ("f", ".wh.-x", 0)],
        [("f", ".wh.-x", 0), ("f", "z", 1)],
        [("f", "z", 1)],
    ],
    # A whiteout and a new copy of the same path in one layer: both visited.
    "whiteout-and-readd": [
        [("f", "f", 10)],
        [("f", ".wh.f", 0), ("f", "f", 12)],
    ],
    # Opaque markers are dropped: d/f stays visible to dive. A marker without
    # its directory entry leaves an empty implicit directory leaf (/e).
    "opaque": [
        [("d", "d/", 0), ("f", "d/f", 30), ("f", "d/g", 5), ("d", "e/", 0), ("f", "e/k", 4)],
        [("d", "d/", 0), ("f", "d/.wh..wh..opq", 0), ("f", "d/h", 3), ("f", "e/.wh..wh..opq", 0)],
        [("f", "d/f", 30), ("f", "e/.wh..wh..opq", 0)],
    ],
    # Names are cleaned like Go's path.Clean; "./" is skipped; duplicates in a
    # layer add to the layer size but make one tree node (the last one wins).
    "names-and-duplicates": [
        [
            ("d", "./", 0),
            ("f", "x", 10),
            ("f", "./x", 20),
            ("f", "/y", 5),
            ("f", "y", 6),
            ("f", "z/../w", 1),
            ("f", "a//b", 2),
            ("f", "./c/./d", 3),
        ],
        [("f", "x", 20), ("f", "/c/d", 3)],
    ],
    # Hard links and symlinks count their header size (0); the target's bytes
    # are counted once per copy of the target only.
    "links": [
        [("f", "f", 100), ("l", "hl", "f"), ("s", "sl", "f")],
        [("f", "f", 100), ("l", "hl", "f"), ("s", "sl", "g")],
    ],
    # A directory that exists only implicitly in an upper layer (p/r without
    # p/) resets p's stacked metadata to "not a directory": its later whiteout
    # then counts 0 bytes instead of the subtree.
    "implicit-dir": [
        [("d", "p/", 0), ("f", "p/q", 8)],
        [("f", "p/r", 4)],
        [("f", ".wh.p", 0)],
        [("f", "p", 9)],
    ],
    # Only leaves are visited: a directory re-listed without children in two
    # layers becomes a 0-byte "inefficiency".
    "leaf-dirs": [
        [("d", "etc/", 0), ("f", "etc/passwd", 10), ("d", "var/", 0), ("d", "var/empty/", 0)],
        [("d", "etc/", 0), ("d", "var/", 0), ("d", "var/empty/", 0)],
        [("d", "etc/", 0)],
    ],
    # Many inefficiencies with equal sizes: their order is Go's sort.Sort
    # (pdqsort, not stable), reversed.
    "ties": [
        [("f", "t%03d" % i, s) for i, s in enumerate(ties_sizes(40))],
        [("f", "t%03d" % i, s) for i, s in enumerate(ties_sizes(40))],
    ],
}

SYMLINKED = {
    # Old docker save wrote a layer identical to an earlier one as a symlink
    # to it; dive reads the symlink's (empty) body: an empty layer.
    "symlinked-layer": (
        [
            [("f", "s", 50), ("f", "t", 1)],
            [("f", "s", 50), ("f", "t", 1)],
            [("f", "s", 50)],
        ],
        {1: 0},
    ),
}

OCI = {
    # No manifest.json: dive takes the layers in Go map order (random).
    "oci-no-manifest": [
        [("f", "a", 10), ("f", "k", 1)],
        [("f", "a", 20)],
        [("f", ".wh.a", 0), ("f", "m", 2)],
        [("f", "a", 30), ("f", "k", 1)],
    ],
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "dive-synthetic")
    os.makedirs(out, exist_ok=True)
    for name, layers in CASES.items():
        docker_archive(os.path.join(out, name + ".tar"), layers)
    for name, (layers, links) in SYMLINKED.items():
        docker_archive(os.path.join(out, name + ".tar"), layers, links)
    for name, layers in OCI.items():
        oci_archive(os.path.join(out, name + ".tar"), layers)


if __name__ == "__main__":
    main()
