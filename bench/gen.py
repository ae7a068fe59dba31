#!/usr/bin/python3
"""Generate a benchmark tarball: many files, realistically compressible.

    gen.py OUT.tar.gz --size MB [--unpacked] [--seed N] [--mark FILE]

--size MB: stop once the gzip output reaches MB (MiB) bytes, or, with --unpacked, once
the file contents reach MB MiB.  Content: 85% of files are text-like (slices at random
offsets of a 16 MiB pool of random words from a Zipf-weighted vocabulary, lines of
code-like punctuation; a slice is never repeated inside gzip's 32 KiB window, so the
ratio is what such text gives, about 2.5-3x), 15% are random bytes (compressed
blobs, binaries).  File sizes 1 KiB .. 512 KiB, log-uniform.  install.sh comes first:
it writes `date +%s.%N` to --mark first thing, then exits 0.
gzip level 6 (the default of gzip(1)), ustar format.
"""
import argparse
import gzip
import io
import math
import os
import random
import tarfile
import time


class Counter(io.RawIOBase):
    def __init__(self, f):
        self.f, self.n = f, 0

    def writable(self):
        return True

    def write(self, b):
        self.n += len(b)
        return self.f.write(b)


def pool(rng, size):
    letters = "etaoinshrdlucmfwypvbgkjqxz_"
    vocab = ["".join(rng.choice(letters[:rng.randint(8, 27)]) for _ in range(rng.randint(2, 10)))
             for _ in range(4000)]
    vocab += ["{", "}", "(", ")", ";", "=", "==", "->", "0", "1", "return", "if", "else",
              "static", "int", "const", "char", "struct", "#define", "NULL", "//"]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    out, n = [], 0
    while n < size:
        words = rng.choices(vocab, weights=weights, k=20000)
        lines, i = [], 0
        while i < len(words):
            k = rng.randint(3, 14)
            lines.append("\t" * rng.randint(0, 3) + " ".join(words[i:i + k]))
            i += k
        s = "\n".join(lines) + "\n"
        out.append(s)
        n += len(s)
    return "".join(out).encode()[:size]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=float, required=True)
    ap.add_argument("--unpacked", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mark", default="/tmp/gwe-bench-react")
    o = ap.parse_args()
    rng = random.Random(o.seed)
    target = int(o.size * 1048576)
    text = pool(rng, 16 << 20)
    now = int(time.time())
    tmp = o.out + ".tmp"
    with open(tmp, "wb") as raw:
        cnt = Counter(raw)
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=cnt, compresslevel=6, mtime=now)
        tf = tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT)

        def add(name, data, mode=0o644):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), mode, now
            tf.addfile(ti, io.BytesIO(data))

        script = ("#!/bin/sh\ndate +%%s.%%N > %s\necho installed \"$GWE_APP\" \"$GWE_VERSION\"\n"
                  "exit 0\n" % o.mark).encode()
        add("install.sh", script, 0o755)
        unpacked, nfiles, dirs = 0, 0, set()
        while True:
            done = cnt.n if not o.unpacked else unpacked
            if done >= target:
                break
            d = "data/d%02d/s%02d" % (nfiles // 400, (nfiles // 20) % 20)
            for part in (d.split("/")[0], "/".join(d.split("/")[:2]), d):
                if part not in dirs:
                    dirs.add(part)
                    ti = tarfile.TarInfo(part)
                    ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, now
                    tf.addfile(ti)
            size = int(math.exp(rng.uniform(math.log(1024), math.log(512 * 1024))))
            if rng.random() < 0.15:
                data, ext = os.urandom(size), "bin"
            else:
                off = rng.randrange(0, len(text) - size)
                data, ext = text[off:off + size], "txt"
            add("%s/f%06d.%s" % (d, nfiles, ext), data)
            unpacked += size
            nfiles += 1
        tf.close()
        gz.close()
    os.rename(tmp, o.out)
    print("files=%d unpacked=%d compressed=%d" % (nfiles + 1, unpacked, os.path.getsize(o.out)))


if __name__ == "__main__":
    main()
