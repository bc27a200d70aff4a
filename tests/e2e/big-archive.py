#!/usr/bin/env python3
"""Writes a valid `docker save` archive of about SIZE_MB megabytes, for the
cancel test (tests/e2e/errors.test.mjs): the page must take long enough on it
that a test can press Cancel mid-way.

    big-archive.py OUT.tar [SIZE_MB] [MEMBERS]

MEMBERS (default 1): each layer's gzip stream is that many gzip members one
after the other (as `pigz --independent` or `cat a.gz b.gz` make; the gzip
trailer's size then counts only the last member's bytes).

Three gzip layers of text-like files (about 2:1, so the page inflates ~2x the
archive's size: decompression is what bounds the analysis), each layer's
diff_id right, manifest.json and the config first. Deterministic (seeded),
a few seconds to write.
"""
import gzip
import hashlib
import io
import json
import random
import sys
import tarfile
import zlib

out = sys.argv[1]
size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
members = int(sys.argv[3]) if len(sys.argv) > 3 else 1
LAYERS = 3
rng = random.Random(42)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(4000)]


def chunk(n):
    text = " ".join(rng.choice(words) for _ in range(n // 5))
    return text.encode()[:n].ljust(n, b".")


# Distinct 1 MiB chunks, reused across files: deflate's window is 32 KiB, so a
# reused chunk compresses as well (as badly) as a fresh one.
CHUNKS = [chunk(1 << 20) for _ in range(8)]
FILE_MB = 4
per_layer_mb = size_mb * 2 // LAYERS  # uncompressed: deflate level 1 gets about 2:1 here


def layer(k):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        d = tarfile.TarInfo(f"layer{k}")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 946684800
        t.addfile(d)
        for i in range(per_layer_mb // FILE_MB):
            data = b"".join(CHUNKS[(i + j + k) % len(CHUNKS)] for j in range(FILE_MB))
            ti = tarfile.TarInfo(f"layer{k}/file{i:05d}.txt")
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 946684800
            t.addfile(ti, io.BytesIO(data))
    tar = raw.getvalue()
    gz = b""
    step = -(-len(tar) // members)
    for at in range(0, len(tar), step):
        z = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip wrapper, fastest level
        gz += z.compress(tar[at : at + step]) + z.flush()
    return gz, "sha256:" + hashlib.sha256(tar).hexdigest()


layers = [layer(k) for k in range(LAYERS)]
config = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "created": "2000-01-01T00:00:00Z",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]},
        "history": [{"created": "2000-01-01T00:00:00Z", "created_by": f"big layer {k}"} for k in range(LAYERS)],
    }
).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
names = [f"{hashlib.sha256(gz).hexdigest()}.tar.gz" for gz, _ in layers]
manifest = json.dumps([{"Config": config_name, "RepoTags": ["layerscope/big:latest"], "Layers": names}]).encode()

with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    for name, data in [("manifest.json", manifest), (config_name, config)] + list(zip(names, (gz for gz, _ in layers))):
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 946684800
        t.addfile(ti, io.BytesIO(data))
