#!/usr/bin/env python3
"""Writes a `docker save` archive whose one layer has a dpkg database of N
packages (default 3000), each with a file list naming one file of its own
under /usr/share, for the packages pane's speed test in
tests/e2e/packages.test.mjs.

    many-packages.py OUT.tar [N]

Plain layer, diff_id right, deterministic.
"""
import sys

from docker_save import tar_bytes, write

N = int(sys.argv[2]) if len(sys.argv) > 2 else 3000

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
write(sys.argv[1], "many-packages:test", layers, [
    {"created": "2024-01-01T00:00:00Z", "created_by": f"/bin/sh -c dpkg -i {N} packages"},
])
