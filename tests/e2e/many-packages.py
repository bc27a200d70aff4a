#!/usr/bin/env python3
"""Writes a `docker save` archive whose one layer has a dpkg database of N
packages (default 3000), each with a file list naming one file of its own
under /usr/share, for the packages pane's speed test in
tests/e2e/packages.test.mjs.

    many-packages.py OUT.tar [N]

Plain layer, diff_id right, deterministic.
"""
import hashlib
import io
import json
import sys
import tarfile

N = int(sys.argv[2]) if len(sys.argv) > 2 else 3000


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


names = [f"pkg{i:04}-{'abcdefghij'[i % 10]}" for i in range(N)]
status = "".join(
    f"Package: {n}\nStatus: install ok installed\nArchitecture: all\nVersion: 1.{i % 7}-{i % 3}\n\n"
    for i, n in enumerate(names)
).encode()
entries = [
    ("usr", b"", "dir"),
    ("usr/share", b"", "dir"),
    ("var", b"", "dir"),
    ("var/lib", b"", "dir"),
    ("var/lib/dpkg", b"", "dir"),
    ("var/lib/dpkg/info", b"", "dir"),
    ("var/lib/dpkg/status", status, "file"),
]
for i, n in enumerate(names):
    entries.append((f"usr/share/{n}", b"", "dir"))
    entries.append((f"usr/share/{n}/data", bytes([i % 251]) * (1 + (i * 37) % 5000), "file"))
    entries.append((f"var/lib/dpkg/info/{n}.list", f"/.\n/usr\n/usr/share\n/usr/share/{n}\n/usr/share/{n}/data\n".encode(), "file"))
layers = [tar_bytes(entries)]
config = json.dumps({
    "architecture": "amd64",
    "os": "linux",
    "config": {},
    "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]},
    "history": [{"created": "2024-01-01T00:00:00Z", "created_by": f"/bin/sh -c dpkg -i {N} packages"}],
}, sort_keys=True).encode()
config_name = sha(config)[7:] + ".json"
layer_names = [f"{sha(l)[7:]}/layer.tar" for l in layers]
manifest = json.dumps([{"Config": config_name, "RepoTags": ["many-packages:test"], "Layers": layer_names}]).encode()

with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as out:
    for name, data in [(config_name, config), ("manifest.json", manifest)] + list(zip(layer_names, layers)):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        out.addfile(info, io.BytesIO(data))
