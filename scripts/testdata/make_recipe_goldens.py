#!/usr/bin/python3
"""Generates the preprocessing-recipe goldens under testdata/recipes/.

Run from anywhere with Debian's Python (Pillow 9.4, numpy 1.24):

    /usr/bin/python3 scripts/testdata/make_recipe_goldens.py

The goldens come from an independent reference -- Pillow's resize, driven the way the model
libraries drive it -- never from libgog. Each recipe is written here in its reference form
(resize then crop, resize then paste), while the engine implements each as ONE box resize;
the Java tests check that the two agree within +-1 per 8-bit channel.

  clip      Hugging Face CLIPImageProcessor: resize the short side to S with the long side
            int(S * long / short) (Pillow resize, bicubic), then centre crop S x S with
            top = (h' - S) // 2, left = (w' - S) // 2.
  squash    Pillow resize of the whole image to S x S.
  letterbox scale = min(S / W, S / H); inner = max(1, floor(W * scale + 0.5)) x (same for H),
            Pillow resize to the inner size, pasted at ((S - w) // 2, (S - h) // 2) on an S x S
            canvas of the fill colour round(mean * 255) (CLIP mean: 123, 117, 104).
  gaze      Pillow resize((S, S), BICUBIC, box=b) for each box b (float pixel-edge boxes on the
            original image), stacked into one batch.
  glance    DCT-scaled decode: im.draft("RGB", (w', h')) with the CLIP resize size as target
            (libjpeg decodes at 1/s), then resize((S, S), BICUBIC, box=clip_box / s) where
            clip_box = (left * W / w', top * H / h', (left + S) * W / w', (top + S) * H / h')
            is the CLIP crop expressed on the original image.
  clip f32  the clip golden normalised in numpy: (u8 / 255 - mean) / std in float64, cast to
            float32, NCHW [1, 3, S, S], CLIP mean/std.

Outputs: uint8 .npy of shape [N, S, S, 3] (NHWC) or float32 [1, 3, S, S], and manifest.tsv with
one row per case (tab-separated, header row):

  case     name of the case
  image    photo, relative to testdata/
  mode     clip | squash | letterbox
  size     S
  filter   bilinear | bicubic
  draft    1: DCT-scaled glance decode, 0: full decode
  boxes    '-' for the whole image, else boxes x1,y1,x2,y2 separated by ';'
  norm     '-' for uint8 outputs, else the normalisation (clip)
  golden   the .npy file, relative to testdata/recipes/
  note     what the case covers

The folder is kept under 2 MB: 224 x 224 x 3 bytes is 147 KiB per uint8 golden, the float32
golden is 588 KiB, a 336 x 336 gaze crop 331 KiB.
"""

import math
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
PHOTOS = TESTDATA / "photos"
OUT = TESTDATA / "recipes"
SHARED = Path("/work/shared/data/infoseek-mini")

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def ensure_photos() -> None:
    """The photos normally come from make_decode_data.py; copy them the same way if missing."""
    PHOTOS.mkdir(parents=True, exist_ok=True)
    for name in ("sample-1.jpg", "sample-2.jpg", "sample-3.jpg", "samples.json", "SOURCE.md"):
        if not (PHOTOS / name).exists():
            if not (SHARED / name).exists():
                raise SystemExit(f"missing {PHOTOS / name} and no {SHARED} to copy it from")
            shutil.copyfile(SHARED / name, PHOTOS / name)


def load(name: str) -> Image.Image:
    im = Image.open(PHOTOS / name)
    assert im.getexif().get(0x0112, 1) == 1, "the recipe goldens assume EXIF orientation 1"
    return im


def clip_size(w: int, h: int, s: int):
    """transformers' get_resize_output_image_size(default_to_square=False) -> (w', h')."""
    if w <= h:
        return s, int(s * h / w)
    return int(s * w / h), s


def clip_hf(im: Image.Image, s: int, resample) -> np.ndarray:
    w, h = im.size
    nw, nh = clip_size(w, h, s)
    r = im.convert("RGB").resize((nw, nh), resample)
    top, left = (nh - s) // 2, (nw - s) // 2
    return np.asarray(r.crop((left, top, left + s, top + s)))


def squash(im: Image.Image, s: int, resample) -> np.ndarray:
    return np.asarray(im.convert("RGB").resize((s, s), resample))


def letterbox(im: Image.Image, s: int, resample, fill) -> np.ndarray:
    w, h = im.size
    scale = min(s / w, s / h)
    iw = max(1, math.floor(w * scale + 0.5))
    ih = max(1, math.floor(h * scale + 0.5))
    canvas = Image.new("RGB", (s, s), fill)
    canvas.paste(im.convert("RGB").resize((iw, ih), resample), ((s - iw) // 2, (s - ih) // 2))
    return np.asarray(canvas)


def gaze(im: Image.Image, s: int, resample, boxes) -> np.ndarray:
    rgb = im.convert("RGB")
    return np.stack([np.asarray(rgb.resize((s, s), resample, box=b)) for b in boxes])


def glance_clip(name: str, s: int, resample) -> np.ndarray:
    im = Image.open(PHOTOS / name)
    w, h = im.size
    nw, nh = clip_size(w, h, s)
    left, top = (nw - s) // 2, (nh - s) // 2
    box = (left * w / nw, top * h / nh, (left + s) * w / nw, (top + s) * h / nh)
    im.draft("RGB", (nw, nh))
    scale = im.decoderconfig[0] if im.decoderconfig else 1
    assert scale > 1, f"{name}: the glance case should exercise a DCT-scaled decode"
    return np.asarray(im.convert("RGB").resize((s, s), resample, box=tuple(v / scale for v in box)))


def normalise(u8: np.ndarray, mean, std) -> np.ndarray:
    """[S, S, 3] uint8 -> [1, 3, S, S] float32, (v / 255 - mean) / std in float64."""
    x = u8.astype(np.float64) / 255.0
    x = (x - np.array(mean, dtype=np.float64)) / np.array(std, dtype=np.float64)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def fmt_box(b) -> str:
    return ",".join(repr(float(v)) for v in b)


def main() -> None:
    ensure_photos()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()
    rows = []

    def save(case, image, mode, size, filt, draft, boxes, norm, array, note):
        name = f"{case}.npy"
        if array.ndim == 3:
            array = array[None]
        np.save(OUT / name, np.ascontiguousarray(array))
        box_text = "-" if boxes is None else ";".join(fmt_box(b) for b in boxes)
        rows.append([case, f"photos/{image}", mode, str(size), filt, str(draft), box_text, norm, name, note])

    fill = tuple(int(math.floor(m * 255 + 0.5)) for m in CLIP_MEAN)

    # CLIP 224, the Hugging Face way: a landscape photo as uint8, a portrait one normalised.
    save("clip224_sample-2", "sample-2.jpg", "clip", 224, "bicubic", 0, None, "-",
         clip_hf(load("sample-2.jpg"), 224, Image.BICUBIC), "CLIP recipe, landscape 800x531 (w > h branch)")
    s1 = clip_hf(load("sample-1.jpg"), 224, Image.BICUBIC)
    save("clip224_sample-1_f32", "sample-1.jpg", "clip", 224, "bicubic", 0, None, "clip",
         normalise(s1, CLIP_MEAN, CLIP_STD),
         "CLIP recipe + CLIP normalisation, float32 NCHW, portrait 384x512 (w <= h branch)")
    save("squash224_bilinear_sample-2", "sample-2.jpg", "squash", 224, "bilinear", 0, None, "-",
         squash(load("sample-2.jpg"), 224, Image.BILINEAR), "squash, bilinear")
    save("letterbox224_sample-3", "sample-3.jpg", "letterbox", 224, "bicubic", 0, None, "-",
         letterbox(load("sample-3.jpg"), 224, Image.BICUBIC, fill), "letterbox 224x168 at (0,28), CLIP mean fill")
    # Gaze: float boxes (exact in binary32) to 336, bicubic, one batch: a downscale and an upscale.
    boxes = [(12.5, 40.25, 612.75, 580.5), (500.25, 300.5, 700.75, 470.0)]
    save("gaze336_sample-3", "sample-3.jpg", "squash", 336, "bicubic", 0, boxes, "-",
         gaze(load("sample-3.jpg"), 336, Image.BICUBIC, boxes), "two gaze boxes in one batch")
    save("glance224_sample-2", "sample-2.jpg", "clip", 224, "bicubic", 1, None, "-",
         glance_clip("sample-2.jpg", 224, Image.BICUBIC), "CLIP recipe on a 1/2 DCT-scaled decode (draft)")

    with open(OUT / "manifest.tsv", "w", encoding="utf-8") as f:
        f.write("case\timage\tmode\tsize\tfilter\tdraft\tboxes\tnorm\tgolden\tnote\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(rows)} cases to {OUT} ({total / 1e6:.2f} MB)")
    assert total < 2_000_000, "keep testdata/recipes under 2 MB"


if __name__ == "__main__":
    main()
