#!/usr/bin/env python3
"""One step of the benchmark image: changes an unpacked rootfs the way one
layer of a real image would, deterministically (fixed seeds).

    gen_image.py STEP ROOTFS

bench/run.sh runs the steps in order, each followed by `umoci repack`. Sizes
are what the file contents add up to (uncompressed); the content is 20%
random bytes, 80% words (Zipf-distributed), so gzip gets about 2x, like real
images.
"""

import os
import random
import shutil
import sys

MIB = 1024 * 1024

# name: (files, bytes, top directory); the plan is about 100k paths and 1 GB.
ADD = {
    "base": (35_000, 300 * MIB, "usr"),
    "packages": (30_000, 250 * MIB, "usr/lib/packages"),
    "runtime": (20_000, 200 * MIB, "opt/runtime"),
    "app": (10_000, 100 * MIB, "app"),
    "cache": (5_000, 100 * MIB, "var/cache/build"),
}
STEPS = ["base", "packages", "runtime", "app", "cleanup", "cache", "drop-cache"]

_pool = None


def pool():
    """32 MiB to cut file contents from: alternating random and text blocks."""
    global _pool
    if _pool is None:
        rng = random.Random(42)
        words = [
            bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))
            for _ in range(4096)
        ]
        zipf = [1 / (rank + 1) for rank in range(len(words))]
        parts = []
        size = 0
        while size < 32 * MIB:
            if rng.random() < 0.2:
                block = rng.randbytes(64 * 1024)
            else:
                block = b" ".join(rng.choices(words, weights=zipf, k=12_000))[: 64 * 1024]
            parts.append(block)
            size += len(block)
        _pool = b"".join(parts)
    return _pool


def content(rng, size):
    data = pool()
    if size >= len(data):
        return (data * (size // len(data) + 1))[:size]
    off = rng.randrange(0, len(data) - size)
    return data[off : off + size]


def sizes(rng, count, total):
    """Log-normal sizes (most files small, a few large) scaled to `total`."""
    raw = [min(rng.lognormvariate(7.5, 1.9), 8 * MIB) for _ in range(count)]
    scale = total / sum(raw)
    return [max(0, int(s * scale)) for s in raw]


def tree_paths(rng, top, count):
    """`count` file paths spread over a tree of directories ~20 files wide."""
    dirs = [top]
    paths = []
    for i in range(count):
        if i % 20 == 0:
            parent = rng.choice(dirs)
            d = f"{parent}/d{len(dirs):05d}"
            dirs.append(d)
        paths.append(f"{rng.choice(dirs[-3:])}/f{i:06d}.{rng.choice(['so', 'py', 'txt', 'bin', 'json', 'h'])}")
    return paths


def add(root, name, seed):
    count, total, top = ADD[name]
    rng = random.Random(seed)
    paths = tree_paths(rng, top, count)
    for path, size in zip(paths, sizes(rng, count, total)):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        r = rng.random()
        if r < 0.02 and paths[0] != path:
            os.symlink(os.path.relpath(os.path.join(root, paths[0]), os.path.dirname(full)), full)
            continue
        with open(full, "wb") as f:
            f.write(content(rng, size))
        if r > 0.97:
            os.chmod(full, 0o755)


def files_under(root, top):
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames.sort()
        for n in sorted(filenames):
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


def main():
    step, root = sys.argv[1], sys.argv[2]
    seed = STEPS.index(step) + 1
    rng = random.Random(1000 + seed)
    if step in ADD:
        add(root, step, seed)
    if step == "app":
        # The app layer rewrites 3000 files under /usr with other bytes:
        # the old copies are waste.
        base = files_under(root, "usr")
        for p in rng.sample(base, min(3000, len(base))):
            size = os.path.getsize(p)
            with open(p, "wb") as f:
                f.write(content(rng, size))
    elif step == "cleanup":
        pkgs = files_under(root, "usr/lib/packages")
        # 100 files deleted one by one (a whiteout each), three whole
        # subtrees (one whiteout each) and 1000 chmods, which store each file
        # again in full. Not thousands of single-file whiteouts: dive 0.13.1
        # re-stacks every lower layer for each whiteout it meets, and with
        # 5000 of them did not finish in 20 minutes (docs/benchmarks.md).
        for p in rng.sample(pkgs, 100):
            if os.path.exists(p):
                os.remove(p)
        subdirs = sorted(
            e.path for e in os.scandir(os.path.join(root, "usr/lib/packages")) if e.is_dir()
        )
        for d in subdirs[len(subdirs) // 4 :: max(1, len(subdirs) // 4)][:3]:
            shutil.rmtree(d)
        runtime = files_under(root, "opt/runtime")
        for p in rng.sample(runtime, 1000):
            os.chmod(p, 0o600)
    elif step == "drop-cache":
        shutil.rmtree(os.path.join(root, "var/cache/build"))


if __name__ == "__main__":
    main()
