#!/usr/bin/python3
"""Generates the image-decode test data under testdata/ (photos, decode, bad, bench).

Run from anywhere with Debian's Python (Pillow 9.4, numpy 1.24):

    /usr/bin/python3 scripts/testdata/make_decode_data.py

Everything is deterministic (fixed seeds, fixed encoder settings); the outputs are committed.

Goldens are HxWx3 uint8 .npy files produced by an independent reference, never by libgog:
  * JPEG: Pillow's decoder (the same libjpeg-turbo 2.1.5 that libgog links), followed by
    ImageOps.exif_transpose and convert("RGB") (Pillow's CMYK->RGB formula), and for
    DCT-scaled rows Pillow's JpegImageFile.draft("RGB", (tw, th)).
  * PNG: computed in numpy from the samples this script encoded (16-bit keeps the high byte,
    sub-byte gray is scaled by 255 / (2^depth - 1), palette lookup, tRNS -> alpha, then the
    composite on white out = (c * a + 255 * (255 - a) + 127) // 255), and cross-checked
    against Pillow's decoder where Pillow is reliable (bit depth <= 8).

Folders written:
  testdata/photos/  copies of the infoseek-mini photos (from /work/shared when present)
  testdata/decode/  small JPEG/PNG files, golden/*.npy, manifest.tsv, info.tsv
  testdata/bad/     malformed inputs and manifest.tsv with the expected status
  testdata/bench/   photo-1080p.jpg
"""

import io
import os
import shutil
import struct
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
PHOTOS = TESTDATA / "photos"
DECODE = TESTDATA / "decode"
GOLDEN = DECODE / "golden"
BAD = TESTDATA / "bad"
BENCH = TESTDATA / "bench"
SHARED = Path("/work/shared/data/infoseek-mini")

EXIF_ORIENTATION = 0x0112

# jpeg_exif_malformed.jpg is meant to have a broken EXIF block; Pillow warns and ignores it.
warnings.filterwarnings("ignore", message="Corrupt EXIF data")


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------

def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def save_npy(path: Path, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    assert arr.ndim == 3 and arr.shape[2] == 3, arr.shape
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=False)


def composite_on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The composite libgog documents in gog.h: out = (c*a + 255*(255-a) + 127) // 255."""
    c = rgb.astype(np.int64)
    a = alpha.astype(np.int64)[..., None]
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def pillow_rgb(data: bytes, target=None, transpose=True) -> np.ndarray:
    """Pillow's decode of a JPEG (optionally draft-scaled, EXIF-transposed) as HxWx3 uint8."""
    im = Image.open(io.BytesIO(data))
    if target is not None:
        im.draft("RGB", target)
    im.load()
    if transpose:
        im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("RGB"))


def pillow_draft_scale(data: bytes, target) -> int:
    """The scale Pillow's draft() picks for `target` (stored frame): W / box width."""
    im = Image.open(io.BytesIO(data))
    w = im.size[0]
    _, box = im.draft("RGB", target)
    return int(round(w / box[2]))


# ------------------------------------------------------------------------------------------
# A minimal baseline JPEG encoder (ITU T.81, Annex K tables), used only for what Pillow 9.4
# cannot write: restart intervals (DRI + RSTn) and 4:1:1 sampling. The goldens of its files
# still come from Pillow's decoder.
# ------------------------------------------------------------------------------------------

ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34,
    27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44,
    51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]

Q_LUMA = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57,
    69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64,
    81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
Q_CHROMA = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32

DC_LUMA = ([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], list(range(12)))
DC_CHROMA = ([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], list(range(12)))
AC_LUMA = ([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D], [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52,
    0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6,
    0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3,
    0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
    0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA])
AC_CHROMA = ([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77], [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33,
    0x52, 0xF0, 0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18,
    0x19, 0x1A, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63,
    0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A,
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4,
    0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA,
    0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7,
    0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA])


def _huff_codes(spec):
    bits, vals = spec
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


def _scaled_qtable(base, quality):
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (q * scale + 50) // 100)) for q in base]


class _BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, length):
        self.acc = (self.acc << length) | (value & ((1 << length) - 1))
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0x00)  # byte stuffing
        self.acc &= (1 << self.n) - 1

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1-bits


def _dct_matrix():
    c = np.zeros((8, 8))
    for u in range(8):
        a = np.sqrt(1 / 8) if u == 0 else np.sqrt(2 / 8)
        for x in range(8):
            c[u, x] = a * np.cos((2 * x + 1) * u * np.pi / 16)
    return c


def encode_jpeg_baseline(rgb: np.ndarray, sampling, quality=90, restart_interval=0) -> bytes:
    """Baseline sequential YCbCr JPEG (JFIF). sampling = (h, v) of Y; chroma is 1x1."""
    h_img, w_img = rgb.shape[:2]
    f = rgb.astype(np.float64)
    # JFIF RGB -> YCbCr (ITU T.871).
    y = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    cb = -0.168736 * f[..., 0] - 0.331264 * f[..., 1] + 0.5 * f[..., 2] + 128
    cr = 0.5 * f[..., 0] - 0.418688 * f[..., 1] - 0.081312 * f[..., 2] + 128
    hmax, vmax = sampling
    comps = [(1, hmax, vmax, 0, y), (2, 1, 1, 1, cb), (3, 1, 1, 1, cr)]
    mcu_w, mcu_h = 8 * hmax, 8 * vmax
    mcus_x = -(-w_img // mcu_w)
    mcus_y = -(-h_img // mcu_h)
    qt = [_scaled_qtable(Q_LUMA, quality), _scaled_qtable(Q_CHROMA, quality)]
    dct = _dct_matrix()
    planes = []
    for cid, hs, vs, tq, plane in comps:
        # Pad to whole MCUs by edge replication, then box-downsample to this component.
        padded = np.pad(plane, ((0, mcus_y * mcu_h - h_img), (0, mcus_x * mcu_w - w_img)),
                        mode="edge")
        fy, fx = vmax // vs, hmax // hs
        ph, pw = padded.shape[0] // fy, padded.shape[1] // fx
        down = padded.reshape(ph, fy, pw, fx).mean(axis=(1, 3))
        blocks = down.reshape(ph // 8, 8, pw // 8, 8).transpose(0, 2, 1, 3) - 128.0
        coef = np.einsum("ux,abxy,vy->abuv", dct, blocks, dct)
        q = np.array(qt[tq], dtype=np.float64).reshape(8, 8)
        planes.append(np.round(coef / q).astype(np.int64))
    dc_tabs = [_huff_codes(DC_LUMA), _huff_codes(DC_CHROMA)]
    ac_tabs = [_huff_codes(AC_LUMA), _huff_codes(AC_CHROMA)]

    bw = _BitWriter()
    pred = [0, 0, 0]

    def put_value(v):
        size = int(abs(v)).bit_length()
        return size, (v if v >= 0 else v + (1 << size) - 1)

    def encode_block(block, ci, tab):
        zz = block.reshape(64)[ZIGZAG]
        diff = int(zz[0]) - pred[ci]
        pred[ci] = int(zz[0])
        size, bits = put_value(diff)
        code, length = dc_tabs[tab][size]
        bw.put(code, length)
        if size:
            bw.put(bits, size)
        run = 0
        for k in range(1, 64):
            v = int(zz[k])
            if v == 0:
                run += 1
                continue
            while run > 15:
                code, length = ac_tabs[tab][0xF0]
                bw.put(code, length)
                run -= 16
            size, bits = put_value(v)
            code, length = ac_tabs[tab][(run << 4) | size]
            bw.put(code, length)
            bw.put(bits, size)
            run = 0
        if run:
            code, length = ac_tabs[tab][0x00]
            bw.put(code, length)

    n_mcus = mcus_x * mcus_y
    rst = 0
    for m in range(n_mcus):
        my, mx = divmod(m, mcus_x)
        for ci, (cid, hs, vs, tq, _) in enumerate(comps):
            for by in range(vs):
                for bx in range(hs):
                    encode_block(planes[ci][my * vs + by, mx * hs + bx], ci, tq)
        if restart_interval and (m + 1) % restart_interval == 0 and m + 1 < n_mcus:
            bw.flush()
            bw.out += bytes([0xFF, 0xD0 + (rst & 7)])
            rst += 1
            pred = [0, 0, 0]
    bw.flush()

    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    out = bytearray(b"\xFF\xD8")
    out += segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    for i, t in enumerate(qt):
        out += segment(0xDB, bytes([i]) + bytes(t[z] for z in ZIGZAG))
    sof = struct.pack(">BHHB", 8, h_img, w_img, 3)
    for cid, hs, vs, tq, _ in comps:
        sof += bytes([cid, (hs << 4) | vs, tq])
    out += segment(0xC0, sof)
    for cls, tid, spec in ((0, 0, DC_LUMA), (1, 0, AC_LUMA), (0, 1, DC_CHROMA),
                           (1, 1, AC_CHROMA)):
        out += segment(0xC4, bytes([(cls << 4) | tid]) + bytes(spec[0]) + bytes(spec[1]))
    if restart_interval:
        out += segment(0xDD, struct.pack(">H", restart_interval))
    sos = bytes([3])
    for cid, hs, vs, tq, _ in comps:
        sos += bytes([cid, (tq << 4) | tq])
    out += segment(0xDA, sos + bytes([0, 63, 0]))
    out += bw.out
    out += b"\xFF\xD9"
    return bytes(out)


# ------------------------------------------------------------------------------------------
# JPEG marker surgery
# ------------------------------------------------------------------------------------------

def jpeg_segments(data: bytes):
    """(marker, offset of 0xFF, total length incl. marker) of each header segment up to SOS."""
    pos, segs = 2, []
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, pos
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segs.append((marker, pos, length + 2))
        if marker == 0xDA:
            break
        pos += length + 2
    return segs


def replace_app0_with_adobe(data: bytes, transform: int) -> bytes:
    out = bytearray(data[:2])
    adobe = b"\xFF\xEE" + struct.pack(">H", 14) + b"Adobe" + struct.pack(">HHHB", 100, 0, 0,
                                                                          transform)
    out += adobe
    segs = jpeg_segments(data)
    for marker, off, ln in segs:
        if marker == 0xE0:
            continue
        end = off + ln if marker != 0xDA else len(data)
        out += data[off:end]
    return bytes(out)


def set_adobe_transform(data: bytes, transform: int) -> bytes:
    for marker, off, ln in jpeg_segments(data):
        if marker == 0xEE and data[off + 4:off + 9] == b"Adobe":
            b = bytearray(data)
            b[off + 4 + 11] = transform
            return bytes(b)
    raise ValueError("no Adobe marker")


def insert_app1(data: bytes, payload: bytes) -> bytes:
    """Inserts an APP1 segment right after SOI (and after APP0 if present)."""
    segs = jpeg_segments(data)
    pos = 2
    if segs and segs[0][0] == 0xE0:
        pos = segs[0][1] + segs[0][2]
    seg = b"\xFF\xE1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:pos] + seg + data[pos:]


def exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return exif.tobytes()


def exif_big_endian(orientation: int) -> bytes:
    """Hand-made big-endian ("MM") EXIF: IFD0 with ImageWidth (LONG), Make (ASCII, stored
    out of line), Orientation (SHORT) and a zero next-IFD offset."""
    make = b"GoGTest\x00"
    n = 3
    ifd_size = 2 + 12 * n + 4
    make_off = 8 + ifd_size
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", n)
    tiff += struct.pack(">HHII", 0x0100, 4, 1, 59)
    tiff += struct.pack(">HHII", 0x010F, 2, len(make), make_off)
    tiff += struct.pack(">HHIHH", EXIF_ORIENTATION, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0) + make
    return b"Exif\x00\x00" + tiff


def exif_malformed() -> bytes:
    """Little-endian TIFF header whose IFD0 offset points far past the end of the block."""
    return b"Exif\x00\x00" + b"II\x2a\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\x00" * 8


# ------------------------------------------------------------------------------------------
# A small PNG writer (zlib + struct): any bit depth, palette, tRNS, Adam7, all five filters.
# ------------------------------------------------------------------------------------------

PNG_SIG = b"\x89PNG\r\n\x1a\n"
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data +
            struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def _pack_row(samples: np.ndarray, depth: int) -> bytes:
    """samples: 1-D array of one row's samples (interleaved channels)."""
    if depth == 16:
        return samples.astype(">u2").tobytes()
    if depth == 8:
        return samples.astype(np.uint8).tobytes()
    bits = np.unpackbits(samples.astype(np.uint8)[:, None], axis=1)[:, 8 - depth:]
    return np.packbits(bits.reshape(-1)).tobytes()


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _filter_rows(rows, bpp: int, first_filter: int) -> bytes:
    out = bytearray()
    prev = np.zeros(len(rows[0]), dtype=np.int64) if rows else None
    for i, row in enumerate(rows):
        x = np.frombuffer(row, dtype=np.uint8).astype(np.int64)
        a = np.concatenate([np.zeros(bpp, dtype=np.int64), x[:-bpp]]) if len(x) > bpp else \
            np.zeros(len(x), dtype=np.int64)
        b = prev
        c = np.concatenate([np.zeros(bpp, dtype=np.int64), prev[:-bpp]]) if len(x) > bpp else \
            np.zeros(len(x), dtype=np.int64)
        ft = (first_filter + i) % 5
        if ft == 0:
            y = x
        elif ft == 1:
            y = x - a
        elif ft == 2:
            y = x - b
        elif ft == 3:
            y = x - (a + b) // 2
        else:
            y = x - _paeth(a, b, c)
        out.append(ft)
        out += (y & 0xFF).astype(np.uint8).tobytes()
        prev = x
    return bytes(out)


def encode_png(samples: np.ndarray, depth: int, color_type: int, palette=None, trns=None,
               interlace=False, first_filter=0, idat_chunk=700) -> bytes:
    """samples: HxWxC array of integer samples (C per colour type; palette indices for 3)."""
    h, w, ch = samples.shape
    assert ch == CHANNELS[color_type]
    bpp = max(1, ch * depth // 8)
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            rows = [_pack_row(sub[r].reshape(-1), depth) for r in range(sub.shape[0])]
            raw += _filter_rows(rows, bpp, first_filter)
    else:
        rows = [_pack_row(samples[r].reshape(-1), depth) for r in range(h)]
        raw = _filter_rows(rows, bpp, first_filter)
    z = zlib.compress(raw, 9)
    out = PNG_SIG + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0,
                                                   1 if interlace else 0))
    # Ancillary chunks libgog ignores (as Pillow does for pixel values): gAMA and tEXt.
    out += png_chunk(b"gAMA", struct.pack(">I", 45455))
    out += png_chunk(b"tEXt", b"Comment\x00GoG decode test image")
    if palette is not None:
        out += png_chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    for i in range(0, len(z), idat_chunk):
        out += png_chunk(b"IDAT", z[i:i + idat_chunk])
    out += png_chunk(b"IEND", b"")
    return out


# ------------------------------------------------------------------------------------------
# Test data sets
# ------------------------------------------------------------------------------------------

class Rows:
    def __init__(self):
        self.manifest = []  # (file, golden, tolerance, tw, th, note)
        self.info = []      # (file, tw, th, fields...)

    def add(self, file, golden_arr, golden_name, tol, target, note, info):
        save_npy(GOLDEN / golden_name, golden_arr)
        tw, th = target if target else (0, 0)
        self.manifest.append((file, "golden/" + golden_name, tol, tw, th, note))
        assert info["width"] == golden_arr.shape[1] and info["height"] == golden_arr.shape[0], \
            (file, info, golden_arr.shape)
        self.info.append((file, tw, th, info))


INFO_FIELDS = ["format", "width", "height", "stored_width", "stored_height", "orientation",
               "scale_denom", "channels", "bit_depth", "has_alpha", "progressive"]


def jpeg_info(data: bytes, golden: np.ndarray, orientation: int, scale: int) -> dict:
    im = Image.open(io.BytesIO(data))
    return dict(format=1, width=golden.shape[1], height=golden.shape[0],
                stored_width=im.size[0], stored_height=im.size[1], orientation=orientation,
                scale_denom=scale, channels=im.layers, bit_depth=8, has_alpha=0,
                progressive=1 if (im.info.get("progressive") or im.info.get("progression"))
                else 0)


def check_cmyk_formula(data: bytes) -> None:
    """Asserts that Pillow's CMYK->RGB equals the formula libgog implements (Pillow 9.4,
    Convert.c cmyk2rgb): nk = 255 - k; out = CLIP8(nk - MULDIV255(c, nk)) with
    MULDIV255(a, b) = (t = a*b + 128, ((t >> 8) + t) >> 8)."""
    im = Image.open(io.BytesIO(data))
    cmyk = np.asarray(im).astype(np.int64)  # Pillow already undid the Adobe inversion
    nk = 255 - cmyk[..., 3:4]
    t = cmyk[..., :3] * nk + 128
    ref = np.clip(nk - (((t >> 8) + t) >> 8), 0, 255).astype(np.uint8)
    if not np.array_equal(ref, np.asarray(im.convert("RGB"))):
        raise SystemExit("Pillow's CMYK->RGB differs from the documented formula")


def add_jpeg(rows: Rows, name: str, data: bytes, note: str, orientation=1, target=None,
             tol=0, write=True, golden_name=None):
    if write:
        write_bytes(DECODE / name, data)
    stored = Image.open(io.BytesIO(data)).size
    draft_target = None
    scale = 1
    if target is not None:
        # libgog applies the target in the oriented frame; Pillow's draft() works in the
        # stored frame, so the target is swapped for orientations that transpose.
        draft_target = (target[1], target[0]) if orientation >= 5 else target
        scale = pillow_draft_scale(data, draft_target)
    golden = pillow_rgb(data, draft_target)
    exp_w = -(-stored[0] // scale)
    exp_h = -(-stored[1] // scale)
    if orientation >= 5:
        exp_w, exp_h = exp_h, exp_w
    assert golden.shape[:2] == (exp_h, exp_w), (name, golden.shape, exp_w, exp_h)
    base = golden_name or Path(name).stem
    if target is not None:
        base += f"_t{target[0]}x{target[1]}"
    rows.add(name, golden, base + ".npy", tol, target, note,
             jpeg_info(data, golden, orientation, scale))


def make_jpegs(rows: Rows, photos):
    p1, p2, p3 = photos

    def crop(im, x, y, w, h):
        return im.crop((x, y, x + w, y + h))

    def save(im, **kw):
        b = io.BytesIO()
        im.save(b, "JPEG", **kw)
        return b.getvalue()

    c = crop(p1, 100, 180, 61, 45)
    add_jpeg(rows, "jpeg_baseline_420_q90.jpg", save(c, quality=90, subsampling=2),
             "baseline 4:2:0 q90")
    add_jpeg(rows, "jpeg_baseline_420_q90.jpg", save(c, quality=90, subsampling=2),
             "target that keeps scale 1", target=(30, 30), write=False)
    add_jpeg(rows, "jpeg_422.jpg", save(crop(p2, 300, 200, 63, 47), quality=90, subsampling=1),
             "baseline 4:2:2")
    add_jpeg(rows, "jpeg_444.jpg", save(crop(p2, 420, 150, 67, 53), quality=92, subsampling=0),
             "baseline 4:4:4")
    prog = save(crop(p3, 250, 260, 97, 71), quality=88, subsampling=2, progressive=True)
    add_jpeg(rows, "jpeg_progressive.jpg", prog, "progressive 4:2:0")
    add_jpeg(rows, "jpeg_progressive.jpg", prog, "progressive, DCT-scaled 1/4",
             target=(24, 17), write=False)
    add_jpeg(rows, "jpeg_gray.jpg", save(crop(p1, 40, 300, 53, 37).convert("L"), quality=90),
             "grayscale")
    add_jpeg(rows, "jpeg_gray_progressive.jpg",
             save(crop(p3, 500, 100, 41, 29).convert("L"), quality=85, progressive=True),
             "grayscale progressive")
    cmyk = save(crop(p2, 200, 300, 45, 61).convert("CMYK"), quality=90)
    add_jpeg(rows, "jpeg_cmyk.jpg", cmyk,
             "Adobe CMYK (inverted), Pillow CMYK->RGB formula")
    add_jpeg(rows, "jpeg_cmyk.jpg", cmyk, "Adobe CMYK, DCT-scaled 1/2", target=(20, 20),
             write=False)
    check_cmyk_formula(cmyk)

    # YCCK: Pillow cannot write it, but a 4-component JPEG whose Adobe transform flag is 2
    # is YCCK; libjpeg converts it to (inverted) CMYK. Feed Pillow's CMYK writer planes
    # whose stored values are plausible Y, Cb, Cr, K and set the flag to 2.
    src = np.asarray(crop(p3, 120, 80, 51, 39).convert("RGB")).astype(np.float64)
    k_stored = np.clip(255 - src.max(axis=2) * 0.9, 0, 255)
    yv = 0.299 * src[..., 0] + 0.587 * src[..., 1] + 0.114 * src[..., 2]
    cbv = -0.168736 * src[..., 0] - 0.331264 * src[..., 1] + 0.5 * src[..., 2] + 128
    crv = 0.5 * src[..., 0] - 0.418688 * src[..., 1] - 0.081312 * src[..., 2] + 128
    stored = np.stack([yv, cbv, crv, k_stored], axis=2).round().clip(0, 255).astype(np.uint8)
    # Pillow writes CMYK inverted (Adobe convention): stored = 255 - value.
    ycck = save(Image.fromarray(255 - stored, "CMYK"), quality=90)
    ycck = set_adobe_transform(ycck, 2)
    add_jpeg(rows, "jpeg_ycck.jpg", ycck, "Adobe YCCK (transform 2)")

    # RGB colour space (no YCbCr transform): Pillow stores a "YCbCr" image's planes as they
    # are; with the JFIF APP0 replaced by an Adobe APP14 (transform 0) they mean R, G, B.
    rgbsrc = crop(p1, 200, 60, 47, 35)
    ycc = Image.merge("YCbCr", rgbsrc.split())
    rgbjpeg = replace_app0_with_adobe(save(ycc, quality=90, subsampling=0), 0)
    add_jpeg(rows, "jpeg_rgb.jpg", rgbjpeg, "RGB colour space (Adobe transform 0)")

    # Restart markers and 4:1:1 sampling: written by the small encoder above.
    rst = encode_jpeg_baseline(np.asarray(crop(p2, 500, 350, 61, 45)), (2, 2), 90,
                               restart_interval=2)
    add_jpeg(rows, "jpeg_restart.jpg", rst, "4:2:0 with DRI, restart every 2 MCUs")
    s411 = encode_jpeg_baseline(np.asarray(crop(p3, 600, 300, 70, 27)), (4, 1), 90,
                                restart_interval=3)
    add_jpeg(rows, "jpeg_411.jpg", s411, "4:1:1 sampling, restart every 3 MCUs")

    # EXIF orientation 1..8: identical pixel data, only the EXIF block differs.
    ex = crop(p3, 330, 120, 59, 41)
    for o in range(1, 9):
        add_jpeg(rows, f"jpeg_exif_{o}.jpg", save(ex, quality=90, exif=exif_bytes(o)),
                 f"EXIF orientation {o} (little-endian TIFF)", orientation=o)
    plain = save(ex, quality=90)
    add_jpeg(rows, "jpeg_exif_mm_8.jpg", insert_app1(plain, exif_big_endian(8)),
             "EXIF orientation 8, big-endian TIFF, orientation after other tags",
             orientation=8)
    add_jpeg(rows, "jpeg_exif_malformed.jpg", insert_app1(plain, exif_malformed()),
             "EXIF with IFD0 offset out of bounds: orientation ignored", orientation=1)
    big = save(crop(p2, 250, 150, 240, 160), quality=85, exif=exif_bytes(6))
    add_jpeg(rows, "jpeg_exif_6_big.jpg", big, "orientation 6, full size", orientation=6)
    add_jpeg(rows, "jpeg_exif_6_big.jpg", big,
             "orientation 6, target in the oriented frame gives 1/2 (stored frame would give 1)",
             orientation=6, target=(40, 120), write=False)

    # The photos: one full decode, and DCT-scaled decodes (Pillow draft()).
    add_jpeg(rows, "../photos/sample-1.jpg", (PHOTOS / "sample-1.jpg").read_bytes(),
             "real photo, full size", write=False, golden_name="photo_sample-1")
    for idx, target in ((2, (224, 224)), (2, (100, 100)), (3, (100, 75)), (1, (96, 128))):
        add_jpeg(rows, f"../photos/sample-{idx}.jpg",
                 (PHOTOS / f"sample-{idx}.jpg").read_bytes(),
                 "real photo, DCT-scaled like Pillow draft()", target=target, write=False,
                 golden_name=f"photo_sample-{idx}")


def expand_gray(v: np.ndarray, depth: int) -> np.ndarray:
    """libpng's png_set_expand_gray_1_2_4_to_8 / the PNG spec's scaling to 8 bits."""
    if depth == 16:
        return (v >> 8).astype(np.uint8)
    return (v.astype(np.int64) * 255 // ((1 << depth) - 1)).astype(np.uint8)


def add_png(rows: Rows, name: str, data: bytes, golden: np.ndarray, info: dict, note: str,
            crosscheck: bool, target=None):
    write_bytes(DECODE / name, data)
    if crosscheck:
        im = Image.open(io.BytesIO(data))
        im.load()
        rgba = np.asarray(im.convert("RGBA"))
        ref = composite_on_white(rgba[..., :3], rgba[..., 3])
        if not np.array_equal(ref, golden):
            raise SystemExit(f"{name}: numpy golden disagrees with Pillow "
                             f"(max diff {np.abs(ref.astype(int) - golden).max()})")
    full = dict(format=2, width=golden.shape[1], height=golden.shape[0],
                stored_width=golden.shape[1], stored_height=golden.shape[0], orientation=1,
                scale_denom=1)
    full.update(info)
    rows.add(name, golden, Path(name).stem + (f"_t{target[0]}x{target[1]}" if target else "")
             + ".npy", 0, target, note, full)


def make_pngs(rows: Rows, photos):
    rng = np.random.default_rng(20240611)
    p1, p2, p3 = photos
    W, H = 37, 23
    rgb = np.asarray(p2.crop((410, 220, 410 + W, 220 + H)).convert("RGB")).astype(np.int64)
    gray = np.asarray(p2.crop((410, 220, 410 + W, 220 + H)).convert("L")).astype(np.int64)
    alpha = rng.integers(0, 256, size=(H, W))
    alpha[0, :] = 0
    alpha[1, :] = 255
    alpha[:, 0] = 0
    alpha[:, 1] = 255
    lo = rng.integers(0, 256, size=(H, W, 4))

    def info(ch, depth, has_alpha, interlace=False):
        return dict(channels=ch, bit_depth=depth, has_alpha=1 if has_alpha else 0,
                    progressive=1 if interlace else 0)

    # Gray, 1/2/4/8/16 bits.
    for depth in (1, 2, 4, 8, 16):
        if depth == 16:
            s = (gray << 8) | lo[..., 0]
        else:
            s = gray >> (8 - depth)
        g = expand_gray(s, depth)
        golden = np.repeat(g[..., None], 3, axis=2)
        add_png(rows, f"png_gray{depth}.png", encode_png(s[..., None], depth, 0, first_filter=depth),
                golden, info(1, depth, False), f"gray {depth}-bit", crosscheck=depth <= 8)

    # Gray + alpha, 8/16.
    for depth in (8, 16):
        if depth == 16:
            s = np.stack([(gray << 8) | lo[..., 0], (alpha << 8) | lo[..., 1]], axis=2)
        else:
            s = np.stack([gray, alpha], axis=2)
        g = np.repeat(expand_gray(s[..., 0], depth)[..., None], 3, axis=2)
        golden = composite_on_white(g, expand_gray(s[..., 1], depth))
        add_png(rows, f"png_graya{depth}.png", encode_png(s, depth, 4, first_filter=1), golden,
                info(2, depth, True), f"gray+alpha {depth}-bit", crosscheck=depth <= 8)

    # RGB and RGBA, 8/16.
    for depth in (8, 16):
        s = (rgb << 8) | lo[..., :3] if depth == 16 else rgb
        golden = expand_gray(s, depth) if depth == 16 else s.astype(np.uint8)
        add_png(rows, f"png_rgb{depth}.png", encode_png(s, depth, 2, first_filter=2), golden,
                info(3, depth, False), f"RGB {depth}-bit", crosscheck=depth <= 8)
        a = (alpha << 8) | lo[..., 3] if depth == 16 else alpha
        s4 = np.concatenate([s, a[..., None]], axis=2)
        golden = composite_on_white(expand_gray(s, depth) if depth == 16 else s,
                                    expand_gray(a, depth) if depth == 16 else a)
        add_png(rows, f"png_rgba{depth}.png", encode_png(s4, depth, 6, first_filter=3), golden,
                info(4, depth, True), f"RGBA {depth}-bit", crosscheck=depth <= 8)

    # Palette 1/2/4/8 bits, without and with tRNS (tRNS shorter than the palette: the
    # missing entries are opaque).
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        pal = rng.integers(0, 256, size=(n, 3))
        idx = (gray * n) // 256
        idx[0, 0] = n - 1
        golden_rgb = pal[idx].astype(np.uint8)
        add_png(rows, f"png_pal{depth}.png",
                encode_png(idx[..., None], depth, 3, palette=pal, first_filter=4), golden_rgb,
                info(1, depth, False), f"palette {depth}-bit", crosscheck=True)
        ntr = max(1, n - 1) if n > 2 else 1
        tr = rng.integers(0, 256, size=ntr)
        tr[0] = 0
        full_alpha = np.full(n, 255)
        full_alpha[:ntr] = tr
        golden = composite_on_white(pal[idx], full_alpha[idx])
        add_png(rows, f"png_pal{depth}_trns.png",
                encode_png(idx[..., None], depth, 3, palette=pal,
                           trns=tr.astype(np.uint8).tobytes(), first_filter=0), golden,
                info(1, depth, True), f"palette {depth}-bit with tRNS ({ntr} entries)",
                crosscheck=True)

    # Gray with tRNS: 2, 8 and 16 bits. The tRNS value is compared with the full sample
    # (all 16 bits for 16-bit images).
    for depth in (2, 8, 16):
        if depth == 16:
            s = (gray << 8) | (lo[..., 0] & 3)
            key = int(s[5, 5])
        else:
            s = gray >> (8 - depth)
            vals, counts = np.unique(s, return_counts=True)
            key = int(vals[np.argmax(counts)])
        a = np.where(s == key, 0, 255)
        g = np.repeat(expand_gray(s, depth)[..., None], 3, axis=2)
        golden = composite_on_white(g, a)
        add_png(rows, f"png_gray{depth}_trns.png",
                encode_png(s[..., None], depth, 0, trns=struct.pack(">H", key), first_filter=2),
                golden, info(1, depth, True), f"gray {depth}-bit with tRNS key {key}",
                crosscheck=(depth == 8))

    # RGB with tRNS, 8 and 16 bits.
    for depth in (8, 16):
        if depth == 16:
            s = (rgb << 8) | (lo[..., :3] & 1)
        else:
            s = rgb.copy()
        s[3:6, 4:9] = s[2, 2]  # make the key colour occur in a block
        key = s[2, 2]
        a = np.where(np.all(s == key, axis=2), 0, 255)
        c = expand_gray(s, depth) if depth == 16 else s.astype(np.uint8)
        golden = composite_on_white(c, a)
        add_png(rows, f"png_rgb{depth}_trns.png",
                encode_png(s, depth, 2, trns=struct.pack(">HHH", *[int(v) for v in key]),
                           first_filter=1),
                golden, info(3, depth, True), f"RGB {depth}-bit with tRNS", crosscheck=(depth == 8))

    # Adam7 interlaced: RGB (no alpha), RGBA (alpha), 2-bit gray (sub-byte rows).
    s4 = np.concatenate([rgb, alpha[..., None]], axis=2)
    add_png(rows, "png_rgb8_adam7.png", encode_png(rgb, 8, 2, interlace=True, first_filter=4),
            rgb.astype(np.uint8), info(3, 8, False, True), "RGB 8-bit, Adam7", crosscheck=True)
    add_png(rows, "png_rgba8_adam7.png", encode_png(s4, 8, 6, interlace=True, first_filter=2),
            composite_on_white(rgb, alpha), info(4, 8, True, True), "RGBA 8-bit, Adam7",
            crosscheck=True)
    g2 = gray >> 6
    add_png(rows, "png_gray2_adam7.png", encode_png(g2[..., None], 2, 0, interlace=True),
            np.repeat(expand_gray(g2, 2)[..., None], 3, axis=2), info(1, 2, False, True),
            "gray 2-bit, Adam7", crosscheck=True)

    # Edge sizes, and a target that a PNG ignores.
    one = rgb[:1, :1]
    add_png(rows, "png_rgb8_1x1.png", encode_png(one, 8, 2), one.astype(np.uint8),
            info(3, 8, False), "1x1", crosscheck=True)
    col = gray[:, :1]
    add_png(rows, "png_gray8_1x23.png", encode_png(col[..., None], 8, 0, first_filter=3),
            np.repeat(col.astype(np.uint8)[..., None], 3, axis=2), info(1, 8, False),
            "one column", crosscheck=True)
    add_png(rows, "png_rgb8.png", (DECODE / "png_rgb8.png").read_bytes(), rgb.astype(np.uint8),
            info(3, 8, False), "PNG ignores the target (scale 1)", crosscheck=False,
            target=(8, 8))


def make_bad(photos):
    rows = []
    BAD.mkdir(parents=True, exist_ok=True)

    def bad(name, data, status, note):
        write_bytes(BAD / name, data)
        rows.append((name, status, note))

    rng = np.random.default_rng(4242)
    base_jpeg = (DECODE / "jpeg_baseline_420_q90.jpg").read_bytes()
    base_png = (DECODE / "png_rgb8.png").read_bytes()

    bad("empty.bin", b"", "GOG_ERR_INVALID_ARGUMENT", "zero bytes")
    rnd = bytearray(rng.integers(0, 256, size=4096, dtype=np.uint8).tobytes())
    rnd[0] = 0x00  # never a JPEG/PNG signature
    bad("random-4k.bin", bytes(rnd), "GOG_ERR_UNSUPPORTED", "4 KiB of seeded random bytes")
    bad("gif-header.gif", b"GIF89a" + bytes(20), "GOG_ERR_UNSUPPORTED", "a GIF signature")
    bad("jpeg-soi-only.jpg", b"\xFF\xD8\xFF", "GOG_ERR_DECODE", "JPEG signature, nothing else")
    bad("png-signature-only.png", PNG_SIG, "GOG_ERR_DECODE", "PNG signature, nothing else")
    bad("truncated.jpg", base_jpeg[:int(len(base_jpeg) * 0.6)], "GOG_ERR_DECODE",
        "baseline JPEG cut at 60%")
    prog = (DECODE / "jpeg_progressive.jpg").read_bytes()
    bad("truncated-progressive.jpg", prog[:int(len(prog) * 0.6)], "GOG_ERR_DECODE",
        "progressive JPEG cut at 60%")
    bad("truncated.png", base_png[:int(len(base_png) * 0.6)], "GOG_ERR_DECODE",
        "PNG cut at 60%")
    bad("no-iend.png", base_png[:-12], "GOG_ERR_DECODE", "PNG without its IEND chunk")

    # PNG whose IHDR declares 100000 x 100000 (valid CRC) with a tiny IDAT.
    huge = PNG_SIG + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
    huge += png_chunk(b"IDAT", zlib.compress(b"\x00" * 301))
    huge += png_chunk(b"IEND", b"")
    bad("huge-dims.png", huge, "GOG_ERR_LIMIT_EXCEEDED", "IHDR 100000x100000, tiny IDAT")
    zero = PNG_SIG + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 16, 8, 2, 0, 0, 0))
    zero += png_chunk(b"IDAT", zlib.compress(b"\x00")) + png_chunk(b"IEND", b"")
    bad("zero-width.png", zero, "GOG_ERR_DECODE", "IHDR width 0")

    # JPEG whose SOF declares 65500 x 65500.
    segs = jpeg_segments(base_jpeg)
    sof = next(off for m, off, ln in segs if m == 0xC0)
    b = bytearray(base_jpeg)
    b[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
    bad("huge-dims.jpg", bytes(b), "GOG_ERR_LIMIT_EXCEEDED", "SOF 65500x65500")
    b = bytearray(base_jpeg)
    b[sof + 5:sof + 7] = struct.pack(">H", 0)
    bad("zero-height.jpg", bytes(b), "GOG_ERR_DECODE", "SOF height 0 (DNL is not supported)")
    b = bytearray(base_jpeg)
    b[sof + 4] = 12
    b[sof + 1] = 0xC1
    bad("precision-12.jpg", bytes(b), "GOG_ERR_UNSUPPORTED", "12-bit extended sequential JPEG")
    b = bytearray(base_jpeg)
    b[sof + 1] = 0xC3
    bad("lossless-sof3.jpg", bytes(b), "GOG_ERR_UNSUPPORTED", "lossless JPEG (SOF3)")

    # Corrupt Huffman-coded data: a run of 0xFF 0x00 (stuffed 0xFF, i.e. all 1-bits) in the
    # middle of the scan is no valid code in the standard tables.
    sos_off, sos_len = next((off, ln) for m, off, ln in segs if m == 0xDA)
    data_start = sos_off + sos_len
    mid = data_start + (len(base_jpeg) - 2 - data_start) // 3
    b = bytearray(base_jpeg)
    b[mid:mid + 24] = b"\xFF\x00" * 12
    bad("corrupt-huffman-data.jpg", bytes(b), "GOG_ERR_DECODE",
        "entropy-coded data overwritten with 1-bits (bad Huffman code)")
    # Corrupt DHT segment: code counts that sum to more than 256 values.
    dht = next(off for m, off, ln in segs if m == 0xC4)
    b = bytearray(base_jpeg)
    b[dht + 5:dht + 21] = bytes([0xFF] * 16)
    bad("corrupt-dht.jpg", bytes(b), "GOG_ERR_DECODE", "DHT segment with bogus code counts")

    # PNG with a bad IDAT CRC.
    b = bytearray(base_png)
    pos = 8
    while pos < len(b):
        length = struct.unpack(">I", b[pos:pos + 4])[0]
        if b[pos + 4:pos + 8] == b"IDAT":
            b[pos + 8 + length] ^= 0x5A  # first CRC byte
            break
        pos += 12 + length
    bad("bad-idat-crc.png", bytes(b), "GOG_ERR_DECODE", "IDAT chunk with a wrong CRC")

    with open(BAD / "manifest.tsv", "w") as f:
        f.write("file\texpected\tnote\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def make_bench(photos):
    p3 = photos[2]
    w, h = p3.size
    ch = w * 9 // 16
    top = (h - ch) // 2
    im = p3.crop((0, top, w, top + ch)).resize((1920, 1080), Image.Resampling.LANCZOS)
    b = io.BytesIO()
    im.save(b, "JPEG", quality=90, subsampling=2)
    write_bytes(BENCH / "photo-1080p.jpg", b.getvalue())


def copy_photos():
    PHOTOS.mkdir(parents=True, exist_ok=True)
    if SHARED.is_dir():
        for name in ("sample-1.jpg", "sample-2.jpg", "sample-3.jpg", "samples.json",
                     "SOURCE.md"):
            shutil.copyfile(SHARED / name, PHOTOS / name)
    for name in ("sample-1.jpg", "sample-2.jpg", "sample-3.jpg"):
        if not (PHOTOS / name).exists():
            raise SystemExit(f"missing {PHOTOS / name} (and {SHARED} is not present)")


def main():
    copy_photos()
    photos = [Image.open(PHOTOS / f"sample-{i}.jpg").convert("RGB") for i in (1, 2, 3)]
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for p in DECODE.glob("*.jpg"):
        p.unlink()
    for p in DECODE.glob("*.png"):
        p.unlink()
    rows = Rows()
    make_jpegs(rows, photos)
    make_pngs(rows, photos)
    with open(DECODE / "manifest.tsv", "w") as f:
        f.write("file\tgolden\ttolerance\ttarget_w\ttarget_h\tnote\n")
        for r in rows.manifest:
            f.write("\t".join(str(x) for x in r) + "\n")
    with open(DECODE / "info.tsv", "w") as f:
        f.write("\t".join(["file", "target_w", "target_h"] + INFO_FIELDS) + "\n")
        for file, tw, th, info in rows.info:
            f.write("\t".join([file, str(tw), str(th)] + [str(info[k]) for k in INFO_FIELDS])
                    + "\n")
    if BAD.exists():
        shutil.rmtree(BAD)
    make_bad(photos)
    make_bench(photos)
    print(f"wrote {len(rows.manifest)} decode rows under {DECODE}")


if __name__ == "__main__":
    sys.exit(main())
