#!/usr/bin/env python3
"""Writes a small `docker save` archive whose second step deletes what the
first added (12 files of 2 kB under /tmp/junk, then `rm -rf /tmp/junk`: a
whiteout of the directory), for the advice test in
tests/e2e/cache.test.mjs: "deleted later" advice naming more paths than
the page lists.

    deleted-later.py OUT.tar

Plain layers, diff_ids right, deterministic.
"""
import hashlib
import io
import json
import sys
import tarfile

FILES = 12


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.size = len(data)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


adds = [("tmp", b"", "dir"), ("tmp/junk", b"", "dir")] + [
    (f"tmp/junk/file{i:02}.bin", bytes([i]) * 2048, "file") for i in range(FILES)
]
layers = [tar_bytes(adds), tar_bytes([("tmp", b"", "dir"), ("tmp/.wh.junk", b"", "file")])]
config = json.dumps({
    "architecture": "amd64",
    "os": "linux",
    "config": {},
    "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]},
    "history": [
        {"created": "2024-01-01T00:00:00Z", "created_by": "/bin/sh -c mkdir -p /tmp/junk && make-junk /tmp/junk"},
        {"created": "2024-01-01T00:00:01Z", "created_by": "/bin/sh -c rm -rf /tmp/junk"},
    ],
}, sort_keys=True).encode()
config_name = sha(config)[7:] + ".json"
names = [f"{sha(l)[7:]}/layer.tar" for l in layers]
manifest = json.dumps([{"Config": config_name, "RepoTags": ["deleted-later:test"], "Layers": names}]).encode()

with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as out:
    for name, data in [("manifest.json", manifest), (config_name, config)] + list(zip(names, layers)):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        out.addfile(info, io.BytesIO(data))
