#!/usr/bin/env python3
"""Writes a small `docker save` archive for the findings panel's test in
tests/e2e/findings.test.mjs.

    findings-image.py OUT.tar markup   # names that look like HTML
    findings-image.py OUT.tar clean    # nothing to flag

`markup`: a setuid file and a file deleted by the next layer whose names
are HTML tags, and a config User that is root with a group that looks like
markup, so the findings' paths and a title carry text the page must show
as text. `clean`: one small file, a non-root User: no finding at all.

Plain layers, diff_ids right, deterministic.
"""
import hashlib
import io
import json
import sys
import tarfile

SETUID = "usr/bin/<b>su</b>"
DELETED = "tmp/<img src=x onerror=alert(1)>.bin"


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind, mode in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.mode = mode
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


out, kind = sys.argv[1], sys.argv[2]
if kind == "markup":
    layers = [
        tar_bytes([
            ("usr", b"", "dir", 0o755),
            ("usr/bin", b"", "dir", 0o755),
            (SETUID, b"#!/bin/sh\n", "file", 0o4755),
            ("tmp", b"", "dir", 0o1777),
            (DELETED, bytes(range(256)) * 12, "file", 0o644),
        ]),
        tar_bytes([
            ("tmp", b"", "dir", 0o1777),
            ("tmp/.wh." + DELETED.split("/", 1)[1], b"", "file", 0o644),
        ]),
    ]
    user = "0:<b>wheel</b>"
    steps = ["/bin/sh -c make-things", "/bin/sh -c rm /tmp/*.bin"]
elif kind == "clean":
    layers = [tar_bytes([("app", b"", "dir", 0o755), ("app/hello.txt", b"hello\n", "file", 0o644)])]
    user = "1000:1000"
    steps = ["COPY hello.txt /app/"]
else:
    sys.exit(f"unknown kind {kind!r}: markup or clean")

config = json.dumps({
    "architecture": "amd64",
    "os": "linux",
    "config": {"User": user},
    "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]},
    "history": [
        {"created": f"2024-01-01T00:00:0{i}Z", "created_by": step} for i, step in enumerate(steps)
    ],
}, sort_keys=True).encode()
config_name = sha(config)[7:] + ".json"
names = [f"{sha(l)[7:]}/layer.tar" for l in layers]
manifest = json.dumps([{"Config": config_name, "RepoTags": [f"findings-{kind}:test"], "Layers": names}]).encode()

with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    for name, data in [("manifest.json", manifest), (config_name, config)] + list(zip(names, layers)):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
