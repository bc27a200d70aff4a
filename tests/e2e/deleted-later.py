#!/usr/bin/env python3
"""Writes a small `docker save` archive whose second step deletes what the
first added (12 files of 2 kB under /tmp/junk, then `rm -rf /tmp/junk`: a
whiteout of the directory), for the advice test in
tests/e2e/cache.test.mjs: "deleted later" advice naming more paths than
the page lists.

    deleted-later.py OUT.tar

Plain layers, diff_ids right, deterministic.
"""
import sys

from docker_save import tar_bytes, write

FILES = 12

adds = [("tmp", b"", "dir"), ("tmp/junk", b"", "dir")] + [
    (f"tmp/junk/file{i:02}.bin", bytes([i]) * 2048, "file") for i in range(FILES)
]
layers = [tar_bytes(adds), tar_bytes([("tmp", b"", "dir"), ("tmp/.wh.junk", b"", "file")])]
write(sys.argv[1], "deleted-later:test", layers, [
    {"created": "2024-01-01T00:00:00Z", "created_by": "/bin/sh -c mkdir -p /tmp/junk && make-junk /tmp/junk"},
    {"created": "2024-01-01T00:00:01Z", "created_by": "/bin/sh -c rm -rf /tmp/junk"},
])
