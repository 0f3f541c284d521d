#!/usr/bin/python3
"""Peer baseline: the benchmark scenario (benchmarks/.../Scenario.java) done with Pillow + numpy.

Runs with Debian's /usr/bin/python3 (python3-pil, python3-numpy); single-threaded, as Pillow is.
Prints one JSON object with median milliseconds per operation, so the figures can stand beside
the JMH results of the same run (scripts/bench.sh calls it after JMH).

    /usr/bin/python3 scripts/bench/pillow_baseline.py [--repeat 30]
"""
import argparse
import io
import json
import os
import statistics
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOXES = [
    (100, 80, 420, 400), (600, 200, 1500, 1000), (1300, 50, 1800, 450), (50, 600, 350, 1000),
    (800, 500, 1000, 700), (1000, 300, 1700, 900), (200, 150, 800, 750), (1450, 600, 1900, 1060),
]
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32).reshape(3, 1, 1)


def normalize(img):
    a = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) * np.float32(1 / 255)
    return (a - MEAN) / STD


def decode(data, draft=None):
    im = Image.open(io.BytesIO(data))
    if draft:
        im.draft("RGB", draft)
    return im.convert("RGB")


def glance(im, size=224):
    w, h = im.size
    short, long_ = (w, h) if w <= h else (h, w)
    ns, nl = size, int(size * long_ / short)
    nw, nh = (ns, nl) if w <= h else (nl, ns)
    r = im.resize((nw, nh), Image.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    return normalize(r.crop((left, top, left + size, top + size)))[None]


def gaze(im, size=336):
    return np.stack([normalize(im.resize((size, size), Image.BICUBIC, box=b)) for b in BOXES])


def median_ms(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    data = open(os.path.join(ROOT, "testdata/bench/photo-1080p.jpg"), "rb").read()
    im = decode(data)
    res = {
        "peer": "Pillow %s + numpy %s, 1 thread" % (Image.__version__, np.__version__),
        "decode_full_ms": median_ms(lambda: decode(data), args.repeat),
        "decode_draft_224_ms": median_ms(lambda: decode(data, (398, 224)), args.repeat),
        "glance_224_ms": median_ms(lambda: glance(im), args.repeat),
        "gaze_8x336_ms": median_ms(lambda: gaze(im), args.repeat),
    }
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
