#!/usr/bin/env python3
"""Writes a `docker save` archive whose names and history are hostile, for
tests/e2e/hostile.test.mjs:

    hostile-names.py OUT.tar

Layer 0 holds files named like HTML that would run if the page ever put a
name into markup (`<img src=x onerror=…>`, `<script>…`), a name that is not
UTF-8 (bytes 0xff 0xfe, as GNU tar keeps them), a `..` name and an absolute
name (both cleaned onto the root), and a sibling-prefix pair (`root`,
`root-evil`); layer 1 whites out `root`. The history's `created_by`,
`comment` and `author` and the image's tag carry markup too. Any script the
markup could run sets `window.__pwned`. Plain layers, diff_ids right.
"""
import hashlib
import io
import json
import sys
import tarfile

from docker_save import tar_bytes

PWN = "window.__pwned=1"
IMG = f"<img src=x onerror={PWN}>"
NAMES = [
    f"app/{IMG}.txt",
    f"app/<script>{PWN}</script>.js",
    "app/\udcff\udcfe-not-utf8.bin",
    "../escape.txt",
    "/abs.txt",
    "root/secret",
    "root-evil/x",
]


out = sys.argv[1]
# GNU names keep the bytes that are not UTF-8 as they are, as GNU tar does.
GNU = {"format": tarfile.GNU_FORMAT, "encoding": "utf-8", "errors": "surrogateescape"}
layers = [
    tar_bytes([("app", b"", "dir"), ("root", b"", "dir"), ("root-evil", b"", "dir")]
              + [(n, f"content of {i}\n".encode(), "file") for i, n in enumerate(NAMES)], **GNU),
    tar_bytes([(".wh.root", b"", "file")], **GNU),
]
diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in layers]
history = [
    {"created": "2026-01-01T00:00:00Z", "created_by": f"/bin/sh -c #(nop) ADD {IMG} /app", "author": f"<b onmouseover={PWN}>me</b>", "comment": f"<script>{PWN}</script>"},
    {"created": "2026-01-02T00:00:00Z", "created_by": f"/bin/sh -c rm -rf /root # <iframe src=javascript:{PWN}>"},
]
config = json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2026-01-02T00:00:00Z",
    "config": {"Env": [f"X=<svg onload={PWN}>"], "Labels": {"<i>label</i>": IMG}},
    "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
names = [f"{hashlib.sha256(t).hexdigest()}/layer.tar" for t in layers]
manifest = json.dumps([{"Config": config_name, "RepoTags": ["example.com/hostile:<b>x</b>"], "Layers": names}]).encode()
with tarfile.open(out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
    for name, data in [("manifest.json", manifest), (config_name, config)] + list(zip(names, layers)):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
