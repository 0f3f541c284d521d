#!/usr/bin/python3
"""Goldens for the resize kernels: Pillow's Image.resize(size, filter, box) on RGB images.

The scalar reference of gog_preprocess_run (GOG_ISA_SCALAR) must reproduce these exactly.
Runs with Debian's /usr/bin/python3 (Pillow 9.4, numpy 1.24); fixed seeds, so a rerun
writes the same files.

    /usr/bin/python3 scripts/testdata/make_resize_goldens.py

Writes into testdata/resize/:
  img_<name>.npy      input images, uint8 HWC (seeded uniform noise -- the worst case for
                      bicubic overshoot -- and smooth gradients)
  <case>.npy          Pillow's output for each case, uint8 HWC
  manifest.tsv        one line per case, tab-separated:
                      case input filter x1 y1 x2 y2 out_w out_h golden
Box coordinates are multiples of 1/64, so they are exact as float32 (what Pillow and
gog_box take) and exact in the decimal text of the manifest.
"""
import os

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "testdata", "resize")
FILTERS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


def noise(rng, w, h):
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def gradient(rng, w, h):
    """Smooth: low-frequency sines with a random phase per channel, plus mild noise."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for _ in range(3):
        fx, fy, ph = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 6.3)
        v = 127.5 + 110 * np.sin(2 * np.pi * (fx * x / max(w, 2) + fy * y / max(h, 2)) + ph)
        chans.append(v + rng.normal(0, 3, size=v.shape))
    return np.clip(np.rint(np.stack(chans, axis=-1)), 0, 255).astype(np.uint8)


def q64(v):
    """Rounds to a multiple of 1/64 (exact in float32 and in decimal)."""
    return round(v * 64) / 64


def main():
    assert PIL.__version__.startswith("9.4"), "goldens are defined by Pillow 9.4 (got %s)" % PIL.__version__
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".npy") or f == "manifest.tsv":
            os.remove(os.path.join(OUT, f))

    rng = np.random.default_rng(20240611)
    images = {
        "1x1": noise(rng, 1, 1),
        "7x5": noise(rng, 7, 5),
        "13x1": noise(rng, 13, 1),
        "1x9": noise(rng, 1, 9),
        "37x53": noise(rng, 37, 53),
        "64x48_grad": gradient(rng, 64, 48),
        "200x150": noise(rng, 200, 150),
        "200x150_grad": gradient(rng, 200, 150),
    }
    for name, a in images.items():
        np.save(os.path.join(OUT, "img_%s.npy" % name), a)

    cases = []  # (input, box or None, out_w, out_h)

    def add(img, box, ow, oh):
        cases.append((img, box, ow, oh))

    # Hand-picked shapes, each with both filters below.
    add("64x48_grad", None, 64, 48)              # identity: both passes skipped
    add("200x150", None, 50, 37)                 # downscale
    add("200x150", None, 16, 16)                 # strong non-uniform downscale
    add("200x150", None, 1, 1)                   # everything into one pixel
    add("200x150", None, 2, 1)
    add("200x150", None, 3, 100)                 # shrink x, shrink y a little
    add("200x150", (0, 0, 200, 40), 200, 17)     # horizontal pass skipped
    add("37x53", None, 15, 53)                   # vertical pass skipped
    add("200x150", (20, 30, 70, 60), 113, 71)    # upscale by a non-integer factor
    add("200x150_grad", None, 57, 41)
    add("200x150_grad", (3.25, 7.5, 150.75, 120.125), 40, 33)   # fractional box
    add("200x150", (3.25, 7.5, 150.75, 120.125), 40, 33)
    add("200x150", (150, 100, 200, 150), 25, 25)                # touches right and bottom
    add("200x150", (0, 75.5, 37.25, 150), 30, 61)               # touches left and bottom
    add("200x150", (10, 20, 42, 52), 32, 32)                    # integer box, size kept (Pillow crops)
    add("200x150", (10.5, 20, 42.5, 52), 32, 32)                # same size, half-pixel shift
    add("200x150", (10.296875, 10.703125, 10.90625, 11.203125), 4, 4)  # sub-pixel box, upscaled
    add("200x150", (0, 0, 200, 1), 7, 3)                        # one source row
    add("200x150", (199, 0, 200, 150), 5, 9)                    # one source column
    add("7x5", None, 64, 48)                     # upscale a tiny image
    add("7x5", None, 3, 2)
    add("7x5", (0.5, 0.25, 6.75, 4.5), 9, 9)
    add("1x1", None, 5, 3)
    add("1x1", None, 1, 1)
    add("13x1", None, 5, 4)
    add("1x9", None, 3, 2)
    add("37x53", None, 80, 100)
    add("37x53", None, 11, 7)
    add("37x53", (1.015625, 2.5, 36.984375, 52.75), 24, 24)
    add("64x48_grad", None, 100, 20)             # non-uniform: up in x, down in y
    add("64x48_grad", None, 20, 100)
    add("64x48_grad", (8, 6, 56, 42), 128, 96)

    # Seeded random cases: any image, fractional boxes, sizes from 1 px up.
    names = list(images)
    for _ in range(40):
        img = names[int(rng.integers(0, len(names)))]
        h, w = images[img].shape[:2]
        if rng.random() < 0.2:
            box = None
        else:
            x1 = q64(rng.uniform(0, w * 0.7)) if rng.random() < 0.8 else 0.0
            y1 = q64(rng.uniform(0, h * 0.7)) if rng.random() < 0.8 else 0.0
            x2 = q64(rng.uniform(x1 + 1 / 64, w)) if rng.random() < 0.8 else float(w)
            y2 = q64(rng.uniform(y1 + 1 / 64, h)) if rng.random() < 0.8 else float(h)
            x2, y2 = max(x2, x1 + 1 / 64), max(y2, y1 + 1 / 64)
            box = (x1, y1, min(x2, w), min(y2, h))
        ow = int(rng.integers(1, 72))
        oh = int(rng.integers(1, 72))
        add(img, box, ow, oh)

    lines = []
    for i, (img, box, ow, oh) in enumerate(cases):
        a = images[img]
        h, w = a.shape[:2]
        b = box if box is not None else (0, 0, w, h)
        for fname, f in FILTERS.items():
            case = "c%03d_%s" % (i, fname)
            out = Image.fromarray(a, "RGB").resize((ow, oh), f, box=tuple(float(v) for v in b))
            res = np.asarray(out, dtype=np.uint8)
            assert res.shape == (oh, ow, 3)
            np.save(os.path.join(OUT, case + ".npy"), res)
            lines.append("\t".join([case, "img_%s.npy" % img, fname] + [repr(float(v)) for v in b] +
                                   [str(ow), str(oh), case + ".npy"]))
    with open(os.path.join(OUT, "manifest.tsv"), "w") as fh:
        fh.write("# case\tinput\tfilter\tx1\ty1\tx2\ty2\tout_w\tout_h\tgolden\n")
        fh.write("\n".join(lines) + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %d cases, %d bytes, into %s" % (len(lines), total, OUT))


if __name__ == "__main__":
    main()
