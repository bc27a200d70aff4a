#!/usr/bin/env python3
"""Writes a `docker save` archive whose layers grow with their position, for
the first-view test (tests/e2e/first-view.test.mjs):

    growing-layers.py OUT.tar

Six plain (uncompressed) layers, layer i about (i + 1) * 200 KiB, so the
page's reading workers take the last layers first (largest first): a test
that holds one reading worker back holds one of the last layers, and the
layers below it are stacked. Layer 1 writes /app/config.json, layer 4
overwrites it (a story that grows as layers are read, and waste); an
empty-layer step (ENV) sits between layers 2 and 3. Deterministic.
"""
import hashlib
import io
import json
import random
import sys
import tarfile

out = sys.argv[1]
rng = random.Random(7)
LAYERS = 6


def layer_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        dirs = set()
        for name, _ in files:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    info.mtime = 1_700_000_000
                    tar.addfile(info)
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def blob(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


layers = []
for i in range(LAYERS):
    files = [(f"layer{i}/data{j}.bin", blob(50 * 1024)) for j in range(4 * (i + 1))]
    if i == 1:
        files.append(("app/config.json", b'{"version": 1}\n' * 100))
    if i == 4:
        files.append(("app/config.json", b'{"version": 2}\n' * 120))
    layers.append(layer_tar(files))

history = []
for i in range(LAYERS):
    history.append({"created": f"2026-01-0{1 + i}T00:00:00Z", "created_by": f"/bin/sh -c make layer{i}"})
    if i == 2:
        history.append({"created": "2026-01-03T12:00:00Z", "created_by": "/bin/sh -c #(nop)  ENV MODE=demo", "empty_layer": True})

diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in layers]
config = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-06T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin:/bin", "MODE=demo"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    },
    sort_keys=True,
).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
layer_names = [f"{hashlib.sha256(t).hexdigest()}/layer.tar" for t in layers]
manifest = json.dumps(
    [{"Config": config_name, "RepoTags": ["example.com/growing:1"], "Layers": layer_names}]
).encode()

with tarfile.open(out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 1_700_000_000
        tar.addfile(info, io.BytesIO(data))

    add("manifest.json", manifest)
    add(config_name, config)
    for name, data in zip(layer_names, layers):
        add(name, data)
