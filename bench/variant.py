#!/usr/bin/env python3
"""A variant of the benchmark image with its last layer replaced: the same
first six layers (the same blobs), and a last layer that drops the build
cache as the original does and also adds 200 files under /app/rebuilt
(about 2 MB) and /app/VERSION, as a rebuild of the last step might. Written into the
OCI layout under the tag `variant` (new layer blob, config and manifest; the
shared blobs are the same files), for bench/diff.sh to export with skopeo.

    variant.py LAYOUT
"""

import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

layout = sys.argv[1]
blobs = os.path.join(layout, "blobs", "sha256")


def read_blob(digest):
    with open(os.path.join(blobs, digest.split(":")[1]), "rb") as f:
        return f.read()


def write_blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


index = json.load(open(os.path.join(layout, "index.json")))
entry = next(m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "bench")
manifest = json.loads(read_blob(entry["digest"]))
config = json.loads(read_blob(manifest["config"]["digest"]))

# The original last layer's entries (the cache's whiteouts), then the new files.
old_last = gzip.decompress(read_blob(manifest["layers"][-1]["digest"]))
rng = random.Random(7)
tar_bytes = io.BytesIO()
with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as out:
    with tarfile.open(fileobj=io.BytesIO(old_last)) as old:
        for member in old.getmembers():
            out.addfile(member, old.extractfile(member) if member.isfile() else None)
    for i in range(200):
        name = f"app/rebuilt/file-{i:04d}.bin"
        data = rng.randbytes(10_000)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 946684800
        out.addfile(info, io.BytesIO(data))
    info = tarfile.TarInfo("app/VERSION")
    data = b"2.0.0\n"
    info.size, info.mode, info.mtime = len(data), 0o644, 946684800
    out.addfile(info, io.BytesIO(data))
tar = tar_bytes.getvalue()
blob = gzip.compress(tar, mtime=0)
layer_digest = write_blob(blob)

config["rootfs"]["diff_ids"][-1] = "sha256:" + hashlib.sha256(tar).hexdigest()
config["history"][-1]["created_by"] = "bench: drop-cache, and a rebuilt /app"
config_bytes = json.dumps(config, separators=(",", ":")).encode()
manifest["config"] = {**manifest["config"], "digest": write_blob(config_bytes), "size": len(config_bytes)}
manifest["layers"][-1] = {**manifest["layers"][-1], "digest": layer_digest, "size": len(blob)}
manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
variant = {
    **entry,
    "digest": write_blob(manifest_bytes),
    "size": len(manifest_bytes),
    "annotations": {"org.opencontainers.image.ref.name": "variant"},
}
index["manifests"] = [m for m in index["manifests"] if m["annotations"].get("org.opencontainers.image.ref.name") != "variant"]
index["manifests"].append(variant)
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(index, f)
print(f"variant: last layer {layer_digest} ({len(blob)} bytes)")
