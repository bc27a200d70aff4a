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
import sys

from docker_save import tar_bytes, write

SETUID = "usr/bin/<b>su</b>"
DELETED = "tmp/<img src=x onerror=alert(1)>.bin"

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

history = [{"created": f"2024-01-01T00:00:0{i}Z", "created_by": step} for i, step in enumerate(steps)]
write(out, f"findings-{kind}:test", layers, history, config={"User": user})
