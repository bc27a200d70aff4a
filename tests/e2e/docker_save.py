"""What the archive generators here share (imported by deleted-later.py,
many-packages.py, findings-image.py and hostile-names.py, which python runs
with this folder on its path): a layer as tar bytes, a digest, and a
`docker save` archive written around layers. Plain layers, diff_ids right,
every mtime 0: deterministic."""
import hashlib
import io
import json
import tarfile


def tar_bytes(entries, **options):
    """A layer's tar from (name, data, "dir" | "file"[, mode]) entries, in
    order (mode 0o755 for a directory, 0o644 for a file unless given).
    `options` go to tarfile.open (a PAX tar unless `format` says otherwise)."""
    buf = io.BytesIO()
    options.setdefault("format", tarfile.PAX_FORMAT)
    with tarfile.open(fileobj=buf, mode="w", **options) as t:
        for name, data, kind, *mode in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = mode[0] if mode else 0o755
                t.addfile(info)
            else:
                info.size = len(data)
                info.mode = mode[0] if mode else 0o644
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write(path, tag, layers, history, config=None):
    """`docker save` of one image `tag`: manifest.json, the config (amd64
    linux, the layers' diff_ids, `history`, `config` as the image's run
    configuration), each layer as <sha>/layer.tar."""
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "config": config or {},
        "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]},
        "history": history,
    }, sort_keys=True).encode()
    config_name = sha(config)[7:] + ".json"
    names = [f"{sha(l)[7:]}/layer.tar" for l in layers]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as out:
        for name, data in [("manifest.json", manifest), (config_name, config)] + list(zip(names, layers)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            out.addfile(info, io.BytesIO(data))
