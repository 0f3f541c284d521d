#!/usr/bin/python3
"""Generates the sample search corpus under testdata/corpus/.

Run from anywhere with Debian's Python (Pillow 9.4):

    /usr/bin/python3 scripts/testdata/make_corpus.py

The corpus is what the README's main job indexes (`gog index testdata/corpus ...`) before
`gog ask` answers questions about the three query photos in testdata/photos/. It holds about
thirty documents: the entities that answer those questions (Churro, Tayuan Temple, Fort Manoel,
Knights Hospitaller, ...) and plausible distractors (other foods, other Buddhist buildings, other
forts, countries).

Each document is one image `slug.png` and its sidecar `slug.json` with "title", "url" (the English
Wikipedia article) and "text": a short summary written for this project, then a line "Facts:"
and lines "relation: value" (InfoSeek / Wikidata-style relation names).

The images are DRAWN here from flat shapes (flags by their simple geometry, emblems, a plate with
a food, a stupa or fort outline); none is a photograph and nothing is derived from the query
photos, which must never be in the index. Drawing is deterministic (integer geometry, seeded
random.Random per document, Pillow's PNG writer without timestamps), so a re-run rewrites
byte-identical files.

The script deletes the .png/.json files it finds in testdata/corpus/ first, then writes every
document and testdata/corpus/README.md, and checks the total size (under 400 KB).
"""

import json
import math
import random
import sys
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "corpus"
W, H = 192, 144
MAX_TOTAL_BYTES = 400 * 1024

WIKI = "https://en.wikipedia.org/wiki/"

# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------


def new_canvas(bg):
    im = Image.new("RGB", (W, H), bg)
    return im, ImageDraw.Draw(im)


def rot(points, cx, cy, quarter_turns):
    """Rotates local (x, y) points by quarter turns and moves them to (cx, cy)."""
    out = []
    for x, y in points:
        for _ in range(quarter_turns % 4):
            x, y = -y, x
        out.append((cx + x, cy + y))
    return out


def plate(d, cx=96, cy=76, rx=78, ry=58):
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(250, 250, 246), outline=(190, 190, 185), width=2)
    d.ellipse((cx - rx + 14, cy - ry + 11, cx + rx - 14, cy + ry - 11), outline=(225, 225, 220), width=2)


TABLE = (176, 124, 84)  # wooden table
CLOTH = (196, 214, 228)  # pale blue tablecloth
SKY = (150, 196, 235)
SEA = (40, 104, 168)
LIMESTONE = (226, 200, 140)


def flag_frame(d, fill):
    """Draws the flag area (180x120, 2:3) on a light background; returns its box."""
    x0, y0, x1, y1 = 6, 12, 186, 132
    d.rectangle((x0, y0, x1 - 1, y1 - 1), fill=fill)
    return x0, y0, x1, y1


def flag_border(d):
    d.rectangle((5, 11, 186, 132), outline=(90, 90, 90), width=1)


def maltese_cross(d, cx, cy, r, color):
    """The eight-pointed cross of the Hospitallers: four arrowhead arms meeting at the centre."""
    w = int(r * 0.62)
    notch = int(r * 0.62)
    arm = [(0, 0), (-w, -r), (0, -notch), (w, -r)]
    for q in range(4):
        d.polygon(rot(arm, cx, cy, q), fill=color)


def dharma_wheel(d, cx, cy, r, color):
    """An eight-spoked wheel with a rim, a hub and knobs at the spoke ends."""
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=color, width=6)
    for k in range(8):
        a = k * math.pi / 4
        x = cx + int(round(r * math.cos(a)))
        y = cy + int(round(r * math.sin(a)))
        d.line((cx, cy, x, y), fill=color, width=4)
        kx = cx + int(round((r + 8) * math.cos(a)))
        ky = cy + int(round((r + 8) * math.sin(a)))
        d.ellipse((kx - 5, ky - 5, kx + 5, ky + 5), fill=color)
    d.ellipse((cx - 11, cy - 11, cx + 11, cy + 11), fill=color)
    d.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=(120, 20, 30))


def tibetan_stupa(d, cx, base, s, body=(246, 246, 242), gold=(214, 170, 40)):
    """A bottle-shaped (Tibetan-style) stupa: stepped base, inverted-bowl body, ringed spire."""
    def px(v):
        return int(round(v * s))

    edge = (160, 160, 160)
    # two-step pedestal
    d.rectangle((cx - px(46), base - px(12), cx + px(46), base), fill=body, outline=edge)
    d.rectangle((cx - px(38), base - px(24), cx + px(38), base - px(12)), fill=body, outline=edge)
    # body: a bowl wider at the top (trapezoid + ellipse cap)
    top = base - px(62)
    d.polygon([(cx - px(24), base - px(24)), (cx + px(24), base - px(24)),
               (cx + px(32), top + px(10)), (cx - px(32), top + px(10))], fill=body, outline=edge)
    d.ellipse((cx - px(32), top, cx + px(32), top + px(20)), fill=body, outline=edge)
    # harmika and conical spire of rings
    d.rectangle((cx - px(9), top - px(8), cx + px(9), top + px(2)), fill=body, outline=edge)
    spire_top = top - px(44)
    d.polygon([(cx - px(8), top - px(8)), (cx + px(8), top - px(8)), (cx + px(3), spire_top),
               (cx - px(3), spire_top)], fill=gold)
    for k in range(1, 7):
        y = top - px(8) - k * px(5)
        d.line((cx - px(8) + k, y, cx + px(8) - k, y), fill=(150, 110, 20))
    # canopy and finial
    d.ellipse((cx - px(14), spire_top - px(5), cx + px(14), spire_top + px(3)), fill=gold)
    d.ellipse((cx - px(4), spire_top - px(13), cx + px(4), spire_top - px(5)), fill=gold)


def dome_stupa(d, cx, base, r, body=(214, 196, 160)):
    """A hemispherical stupa on a drum with harmika and a three-tiered parasol."""
    edge = (120, 100, 70)
    d.rectangle((cx - r - 10, base - 10, cx + r + 10, base), fill=(190, 170, 130), outline=edge)
    d.pieslice((cx - r, base - 10 - r, cx + r, base - 10 + r), 180, 360, fill=body, outline=edge)
    t = base - 10 - r
    d.rectangle((cx - 10, t - 12, cx + 10, t), fill=body, outline=edge)
    d.line((cx, t - 12, cx, t - 40), fill=edge, width=3)
    for k, half in enumerate((18, 14, 10)):
        y = t - 18 - k * 9
        d.rectangle((cx - half, y - 2, cx + half, y + 2), fill=(170, 140, 90))


def bell_pagoda(d, cx, base, s, gold=(222, 176, 36)):
    """A gilded bell-shaped pagoda (Burmese style) on terraces, with a long tapering spire."""
    def px(v):
        return int(round(v * s))

    dark = (170, 120, 10)
    for k, half in enumerate((60, 50, 40)):
        d.rectangle((cx - px(half), base - px(8) * (k + 1), cx + px(half), base - px(8) * k), fill=gold, outline=dark)
    b = base - px(24)
    d.polygon([(cx - px(36), b), (cx + px(36), b), (cx + px(16), b - px(36)), (cx - px(16), b - px(36))], fill=gold, outline=dark)
    d.ellipse((cx - px(18), b - px(48), cx + px(18), b - px(26)), fill=gold, outline=dark)
    top = b - px(110)
    d.polygon([(cx - px(9), b - px(44)), (cx + px(9), b - px(44)), (cx, top)], fill=gold, outline=dark)
    for k in range(1, 6):
        y = b - px(44) - k * px(9)
        d.line((cx - px(9) + k * 2, y, cx + px(9) - k * 2, y), fill=dark)
    d.ellipse((cx - 3, top - 4, cx + 3, top + 2), fill=(240, 240, 255))


def star_fort(d, cx, cy, half, wall=LIMESTONE, inner=(196, 176, 128)):
    """A square fort with a pointed bastion at each corner, seen from above."""
    edge = (120, 100, 60)
    b = int(half * 0.45)
    for sx in (-1, 1):
        for sy in (-1, 1):  # an arrowhead bastion pointing out of each corner
            x, y = cx + sx * half, cy + sy * half
            f, t = b // 2, int(b * 0.9)  # flank length, how far the tip reaches
            d.polygon([(x - sx * b, y), (x - sx * b, y + sy * f), (x + sx * t, y + sy * t),
                       (x + sx * f, y - sy * b), (x, y - sy * b)], fill=wall, outline=edge)
    d.rectangle((cx - half, cy - half, cx + half, cy + half), fill=wall, outline=edge)
    m = int(half * 0.6)
    d.rectangle((cx - m, cy - m, cx + m, cy + m), fill=inner, outline=edge)


def sea_and_sky(d, horizon):
    d.rectangle((0, 0, W, horizon), fill=SKY)
    d.rectangle((0, horizon, W, H), fill=SEA)


def wall_profile(d, x0, x1, top, base, color=LIMESTONE, crenel=8):
    """A fortified wall seen from the side, with a parapet of crenels."""
    edge = (130, 105, 60)
    d.polygon([(x0, base), (x0 + 6, top), (x1 - 6, top), (x1, base)], fill=color, outline=edge)
    x = x0 + 8
    while x + crenel <= x1 - 8:
        d.rectangle((x, top - 6, x + crenel // 2, top), fill=color, outline=edge)
        x += crenel


# --------------------------------------------------------------------------------------------
# One drawing per document (each returns an RGB image of W x H)
# --------------------------------------------------------------------------------------------


def draw_churro(rng):
    im, d = new_canvas(TABLE)
    plate(d)
    dough, ridge = (200, 132, 56), (150, 90, 30)
    for k in range(4):
        y0 = 46 + k * 16
        x0, x1 = 36 + rng.randint(0, 8), 126 + rng.randint(0, 10)
        d.rounded_rectangle((x0, y0, x1, y0 + 11), radius=5, fill=dough, outline=ridge)
        d.line((x0 + 4, y0 + 4, x1 - 4, y0 + 4), fill=ridge)
        d.line((x0 + 4, y0 + 7, x1 - 4, y0 + 7), fill=ridge)
        for _ in range(10):
            sx, sy = rng.randint(x0 + 2, x1 - 2), rng.randint(y0 + 1, y0 + 10)
            d.point((sx, sy), fill=(250, 245, 230))
    # a cup of thick chocolate beside the plate
    d.ellipse((148, 16, 186, 40), fill=(240, 240, 236), outline=(160, 160, 160), width=2)
    d.ellipse((153, 20, 181, 36), fill=(84, 44, 22))
    return im


def draw_paella(rng):
    im, d = new_canvas(CLOTH)
    d.ellipse((14, 8, 178, 136), fill=(70, 70, 74))  # the wide, shallow pan
    d.ellipse((22, 14, 170, 130), fill=(232, 178, 48))  # saffron rice
    for _ in range(8):  # prawns
        x, y = rng.randint(40, 140), rng.randint(30, 100)
        d.arc((x, y, x + 22, y + 18), 200, 340, fill=(236, 96, 70), width=5)
    for _ in range(30):  # peas
        x, y = rng.randint(36, 154), rng.randint(26, 116)
        d.ellipse((x, y, x + 4, y + 4), fill=(70, 150, 50))
    for _ in range(5):  # mussels
        x, y = rng.randint(40, 140), rng.randint(30, 100)
        d.ellipse((x, y, x + 14, y + 8), fill=(30, 30, 60))
    d.pieslice((120, 84, 156, 120), 0, 180, fill=(250, 230, 90))  # lemon wedge
    return im


def draw_spanish_omelette(rng):
    im, d = new_canvas(TABLE)
    plate(d)
    d.ellipse((40, 32, 152, 120), fill=(232, 186, 70), outline=(180, 130, 40), width=3)
    d.pieslice((40, 32, 152, 120), -30, 20, fill=(250, 250, 246))  # one slice cut out
    for _ in range(14):  # potato pieces on the cut face
        x, y = rng.randint(60, 130), rng.randint(50, 100)
        d.rectangle((x, y, x + 5, y + 4), fill=(246, 222, 140))
    return im


def draw_croissant(rng):
    im, d = new_canvas(CLOTH)
    plate(d)
    crust, line = (214, 146, 60), (160, 96, 30)
    segs = [(40, 62, 68, 96), (58, 46, 92, 100), (84, 40, 116, 102), (108, 46, 142, 100), (132, 62, 158, 96)]
    for x0, y0, x1, y1 in segs:
        d.ellipse((x0, y0, x1, y1), fill=crust, outline=line, width=2)
    d.ellipse((70, 84, 128, 120), fill=(250, 250, 246))  # the inner curve of the crescent
    return im


def draw_pretzel(rng):
    im, d = new_canvas((150, 110, 70))
    brown = (128, 70, 30)
    d.arc((40, 26, 152, 126), 200, 340, fill=brown, width=12)
    d.arc((44, 50, 104, 120), 90, 360, fill=brown, width=12)
    d.arc((88, 50, 148, 120), 180, 450, fill=brown, width=12)
    d.line((70, 70, 122, 118), fill=brown, width=12)
    d.line((122, 70, 70, 118), fill=brown, width=12)
    for _ in range(24):  # coarse salt
        x, y = rng.randint(44, 148), rng.randint(30, 122)
        if im.getpixel((x, y)) == brown:
            d.rectangle((x, y, x + 2, y + 1), fill=(250, 250, 250))
    return im


def draw_baklava(rng):
    im, d = new_canvas(TABLE)
    d.rectangle((16, 14, 176, 130), fill=(160, 160, 166))  # a metal tray
    gold, layer = (218, 164, 70), (170, 110, 40)
    for row in range(3):
        for col in range(4):
            cx = 36 + col * 40 + (20 if row % 2 else 0)
            cy = 36 + row * 36
            if cx > 170:
                continue
            d.polygon([(cx, cy - 17), (cx + 19, cy), (cx, cy + 17), (cx - 19, cy)], fill=gold, outline=layer)
            d.line((cx - 12, cy, cx + 12, cy), fill=layer)
            d.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=(110, 170, 60))  # pistachio
    return im


def draw_cannoli(rng):
    im, d = new_canvas(CLOTH)
    plate(d)
    shell, cream = (196, 128, 60), (252, 250, 240)
    for k, y in enumerate((48, 72, 96)):
        x0 = 44 + (k % 2) * 8
        d.rounded_rectangle((x0, y - 10, x0 + 96, y + 10), radius=8, fill=shell, outline=(140, 80, 30))
        for ex in (x0 - 4, x0 + 90):
            d.ellipse((ex, y - 10, ex + 12, y + 10), fill=cream, outline=(200, 200, 190))
            for _ in range(3):
                px, py = rng.randint(ex + 2, ex + 9), rng.randint(y - 7, y + 6)
                d.point((px, py), fill=(90, 150, 50))
    return im


def draw_pastel_de_nata(rng):
    im, d = new_canvas((70, 110, 150))
    for cx, cy in ((60, 52), (132, 52), (96, 100)):
        d.ellipse((cx - 32, cy - 28, cx + 32, cy + 28), fill=(220, 170, 90), outline=(150, 100, 40), width=3)
        d.ellipse((cx - 24, cy - 20, cx + 24, cy + 20), fill=(246, 206, 80))
        for _ in range(6):  # caramelised spots
            x, y = rng.randint(cx - 18, cx + 14), rng.randint(cy - 14, cy + 10)
            d.ellipse((x, y, x + 5, y + 4), fill=(90, 50, 20))
    return im


def draw_sushi(rng):
    im, d = new_canvas((40, 40, 40))
    d.rectangle((10, 30, 182, 114), fill=(180, 140, 90))  # a wooden board
    for k in range(3):  # maki rolls
        cx = 36 + k * 30
        d.ellipse((cx - 13, 46, cx + 13, 72), fill=(20, 30, 20))
        d.ellipse((cx - 10, 49, cx + 10, 69), fill=(250, 250, 250))
        d.ellipse((cx - 4, 55, cx + 4, 63), fill=(240, 110, 60))
    for k in range(2):  # nigiri
        x0 = 122
        y0 = 42 + k * 34
        d.rounded_rectangle((x0, y0 + 6, x0 + 50, y0 + 26), radius=8, fill=(250, 250, 246))
        d.rounded_rectangle((x0 - 2, y0, x0 + 52, y0 + 12), radius=6, fill=(244, 120, 80))
        for s in range(4):
            d.line((x0 + 6 + s * 12, y0 + 2, x0 + 12 + s * 12, y0 + 10), fill=(255, 200, 180))
    d.ellipse((30, 86, 66, 108), fill=(130, 180, 70))  # wasabi and ginger
    d.ellipse((70, 86, 100, 106), fill=(246, 190, 190))
    return im


def draw_beignet(rng):
    im, d = new_canvas((40, 80, 50))
    plate(d)
    for cx, cy in ((68, 58), (118, 56), (94, 94)):
        d.rounded_rectangle((cx - 22, cy - 18, cx + 22, cy + 18), radius=9, fill=(230, 190, 120), outline=(190, 140, 70))
        for _ in range(60):  # powdered sugar
            x, y = rng.randint(cx - 22, cx + 22), rng.randint(cy - 18, cy + 18)
            d.point((x, y), fill=(255, 255, 255))
    return im


def draw_hot_chocolate(rng):
    im, d = new_canvas((120, 60, 50))
    d.ellipse((28, 30, 164, 126), fill=(246, 246, 242), outline=(170, 170, 170), width=2)  # saucer
    d.ellipse((54, 40, 138, 110), fill=(250, 250, 250), outline=(160, 160, 160), width=3)  # cup
    d.ellipse((64, 50, 128, 100), fill=(92, 50, 26))  # chocolate
    d.arc((132, 62, 158, 90), 270, 90, fill=(240, 240, 240), width=6)  # handle
    return im


def draw_tayuan_temple(rng):
    im, d = new_canvas((186, 206, 226))
    d.polygon([(0, 90), (50, 40), (96, 84), (150, 30), (192, 70), (192, 144), (0, 144)], fill=(120, 140, 120))
    d.rectangle((0, 118, W, H), fill=(236, 238, 242))  # snowy courtyard
    # temple halls with grey-tiled roofs either side of the stupa
    for x0 in (6, 132):
        d.rectangle((x0 + 6, 96, x0 + 48, 120), fill=(160, 40, 40))
        d.polygon([(x0, 98), (x0 + 27, 82), (x0 + 54, 98)], fill=(80, 86, 90))
    tibetan_stupa(d, 96, 124, 1.0)
    return im


def draw_miaoying_temple(rng):
    im, d = new_canvas((160, 200, 235))
    d.rectangle((0, 100, W, H), fill=(170, 60, 50))  # red temple wall
    d.rectangle((0, 96, W, 102), fill=(70, 80, 80))  # wall coping
    tibetan_stupa(d, 96, 104, 0.85)
    return im


def draw_beihai_park(rng):
    im, d = new_canvas((170, 206, 236))
    d.rectangle((0, 108, W, H), fill=(70, 130, 170))  # lake
    d.polygon([(10, 110), (60, 74), (132, 74), (182, 110)], fill=(70, 130, 70))  # the island hill
    for _ in range(14):  # trees
        x, y = rng.randint(20, 170), rng.randint(80, 104)
        d.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(40, 100, 50))
    tibetan_stupa(d, 96, 80, 0.55)
    return im


def draw_shwedagon_pagoda(rng):
    im, d = new_canvas((110, 160, 220))
    d.rectangle((0, 128, W, H), fill=(210, 200, 180))
    bell_pagoda(d, 96, 132, 1.0)
    return im


def draw_borobudur(rng):
    im, d = new_canvas((150, 190, 220))
    d.rectangle((0, 118, W, H), fill=(80, 130, 60))
    stone, edge = (120, 116, 108), (80, 76, 70)
    for k, half in enumerate((88, 76, 64, 52, 40, 30)):
        y1 = 124 - k * 12
        d.rectangle((96 - half, y1 - 12, 96 + half, y1), fill=stone, outline=edge)
    for x in range(72, 128, 14):  # small bell stupas on the top terraces
        d.pieslice((x - 6, 46, x + 6, 58), 180, 360, fill=stone, outline=edge)
        d.line((x, 46, x, 40), fill=edge, width=2)
    d.pieslice((84, 26, 108, 50), 180, 360, fill=stone, outline=edge)  # central stupa
    d.line((96, 26, 96, 14), fill=edge, width=3)
    return im


def draw_mahabodhi_temple(rng):
    im, d = new_canvas((176, 206, 230))
    d.rectangle((0, 122, W, H), fill=(120, 160, 80))
    stone, edge = (206, 170, 110), (140, 110, 60)
    d.rectangle((50, 104, 142, 124), fill=stone, outline=edge)  # plinth
    d.polygon([(76, 104), (116, 104), (104, 26), (88, 26)], fill=stone, outline=edge)  # the tower
    for y in range(36, 104, 10):
        d.line((78, y, 114, y), fill=edge)
    d.pieslice((86, 16, 106, 36), 180, 360, fill=(214, 170, 40))
    for x0 in (52, 124):  # corner towers
        d.polygon([(x0, 104), (x0 + 16, 104), (x0 + 11, 78), (x0 + 5, 78)], fill=stone, outline=edge)
    return im


def draw_stupa(rng):
    im, d = new_canvas((190, 214, 236))
    d.rectangle((0, 118, W, H), fill=(150, 170, 100))
    dome_stupa(d, 96, 122, 52)
    return im


def draw_gautama_buddha(rng):
    im, d = new_canvas((120, 20, 30))
    dharma_wheel(d, 96, 72, 46, (232, 184, 48))
    return im


def draw_angkor_wat(rng):
    im, d = new_canvas((236, 180, 120))  # evening sky
    d.rectangle((0, 112, W, H), fill=(70, 110, 140))  # the moat
    stone, edge = (110, 100, 86), (70, 62, 52)
    d.rectangle((16, 92, 176, 112), fill=stone, outline=edge)  # galleries
    for cx, top, half in ((40, 58, 10), (72, 50, 12), (96, 24, 16), (120, 50, 12), (152, 58, 10)):
        d.polygon([(cx - half, 92), (cx + half, 92), (cx + 3, top), (cx - 3, top)], fill=stone, outline=edge)
        d.ellipse((cx - 3, top - 6, cx + 3, top + 2), fill=stone)
    return im


def draw_st_johns_co_cathedral(rng):
    im, d = new_canvas((150, 196, 235))
    d.rectangle((0, 128, W, H), fill=(200, 190, 170))
    stone, edge = (228, 206, 150), (150, 120, 70)
    d.rectangle((40, 60, 152, 128), fill=stone, outline=edge)  # plain facade
    for x0 in (34, 134):  # two bell towers
        d.rectangle((x0, 34, x0 + 24, 128), fill=stone, outline=edge)
        d.polygon([(x0 - 2, 34), (x0 + 12, 16), (x0 + 26, 34)], fill=(120, 110, 100))
        d.rectangle((x0 + 8, 44, x0 + 16, 56), fill=(60, 50, 40))
    d.rectangle((80, 96, 112, 128), fill=(90, 60, 40))
    d.pieslice((80, 82, 112, 110), 180, 360, fill=(90, 60, 40))
    d.rectangle((72, 66, 120, 78), fill=edge)  # balcony
    return im


def draw_fort_manoel(rng):
    im, d = new_canvas(SEA)
    d.polygon([(0, 144), (0, 110), (60, 96), (150, 104), (192, 118), (192, 144)], fill=(200, 190, 150))  # island
    star_fort(d, 96, 66, 34)
    # a small chapel in the parade ground
    d.rectangle((90, 58, 102, 74), fill=(240, 226, 190), outline=(140, 110, 60))
    d.polygon([(88, 58), (96, 50), (104, 58)], fill=(180, 60, 50))
    return im


def draw_fort_st_angelo(rng):
    im, d = new_canvas(SKY)
    d.rectangle((0, 116, W, H), fill=SEA)
    wall_profile(d, 20, 172, 72, 118)  # lower walls rising from the harbour
    wall_profile(d, 60, 140, 40, 74)  # upper ward
    d.rectangle((84, 22, 104, 42), fill=LIMESTONE, outline=(130, 105, 60))  # keep
    return im


def draw_fort_st_elmo(rng):
    im, d = new_canvas(SEA)
    d.polygon([(0, 60), (60, 40), (60, 104), (0, 86)], fill=(206, 196, 160))  # peninsula tip
    edge = (120, 100, 60)
    pts = []
    for k in range(8):  # an eight-pointed star outline
        a = -math.pi / 2 + k * math.pi / 4
        r = 52 if k % 2 == 0 else 30
        pts.append((100 + int(round(r * math.cos(a))), 72 + int(round(r * math.sin(a)))))
    d.polygon(pts, fill=LIMESTONE, outline=edge)
    d.rectangle((86, 58, 114, 86), fill=(196, 176, 128), outline=edge)
    return im


def draw_fort_ricasoli(rng):
    im, d = new_canvas(SEA)
    edge = (120, 100, 60)
    d.polygon([(20, 40), (60, 22), (120, 30), (176, 20), (170, 70), (184, 118), (110, 110), (40, 124), (30, 84)],
              fill=LIMESTONE, outline=edge)  # long irregular bastioned trace on a promontory
    d.polygon([(46, 52), (110, 44), (156, 40), (150, 96), (60, 104)], fill=(196, 176, 128), outline=edge)
    d.polygon([(0, 100), (30, 84), (40, 124), (0, 144)], fill=(200, 190, 150))
    return im


def draw_knights_hospitaller(rng):
    im, d = new_canvas((204, 20, 40))
    maltese_cross(d, 96, 72, 56, (255, 255, 255))
    return im


def draw_antonio_manoel_de_vilhena(rng):
    im, d = new_canvas((236, 222, 190))  # parchment
    d.ellipse((64, 20, 128, 84), fill=(60, 50, 44))  # head and wig silhouette
    d.pieslice((36, 78, 156, 178), 180, 360, fill=(30, 30, 30))  # shoulders in a dark robe
    maltese_cross(d, 96, 112, 14, (255, 255, 255))  # the Order's cross on the robe
    return im


def draw_valletta(rng):
    im, d = new_canvas(SKY)
    d.rectangle((0, 120, W, H), fill=SEA)
    wall_profile(d, 0, W, 92, 122, crenel=10)  # bastion walls along the harbour
    for _ in range(12):  # houses
        x = rng.randint(4, 170)
        h = rng.randint(14, 26)
        d.rectangle((x, 92 - h, x + 18, 92), fill=(232, 214, 170), outline=(160, 130, 80))
    d.rectangle((86, 40, 110, 74), fill=(228, 210, 160))  # the great church dome and spire
    d.pieslice((80, 20, 116, 56), 180, 360, fill=(190, 110, 70))
    d.rectangle((124, 26, 134, 74), fill=(228, 210, 160))
    d.polygon([(122, 26), (129, 8), (136, 26)], fill=(120, 110, 100))
    return im


def draw_castillo_de_san_marcos(rng):
    im, d = new_canvas((70, 130, 70))  # grass
    d.rectangle((0, 0, 36, H), fill=(60, 110, 150))  # the bay
    d.rectangle((42, 10, 186, 134), fill=(90, 150, 90))  # the (dry) moat
    star_fort(d, 112, 72, 38, wall=(206, 200, 180), inner=(180, 172, 150))  # grey coquina
    return im


# flags: 180x120 (2:3) on a light background


def draw_spain(rng):
    im, d = new_canvas((236, 236, 236))
    x0, y0, x1, y1 = flag_frame(d, (170, 21, 27))
    d.rectangle((x0, y0 + 30, x1 - 1, y0 + 89), fill=(241, 191, 0))  # 1:2:1 red-yellow-red
    flag_border(d)
    return im


def draw_france(rng):
    im, d = new_canvas((236, 236, 236))
    x0, y0, x1, y1 = flag_frame(d, (255, 255, 255))
    d.rectangle((x0, y0, x0 + 59, y1 - 1), fill=(0, 35, 149))
    d.rectangle((x0 + 120, y0, x1 - 1, y1 - 1), fill=(237, 41, 57))
    flag_border(d)
    return im


def draw_italy(rng):
    im, d = new_canvas((236, 236, 236))
    x0, y0, x1, y1 = flag_frame(d, (255, 255, 255))
    d.rectangle((x0, y0, x0 + 59, y1 - 1), fill=(0, 146, 70))
    d.rectangle((x0 + 120, y0, x1 - 1, y1 - 1), fill=(206, 43, 55))
    flag_border(d)
    return im


def draw_japan(rng):
    im, d = new_canvas((236, 236, 236))
    flag_frame(d, (255, 255, 255))
    d.ellipse((96 - 36, 72 - 36, 96 + 36, 72 + 36), fill=(188, 0, 45))  # disc 3/5 of the height
    flag_border(d)
    return im


def draw_malta(rng):
    im, d = new_canvas((236, 236, 236))
    x0, y0, x1, y1 = flag_frame(d, (255, 255, 255))
    d.rectangle((x0 + 90, y0, x1 - 1, y1 - 1), fill=(207, 20, 43))  # white | red halves
    # the George Cross in the canton, simplified to a grey cross edged in red
    cx, cy = x0 + 22, y0 + 22
    d.rectangle((cx - 14, cy - 4, cx + 14, cy + 4), fill=(160, 160, 160), outline=(207, 20, 43))
    d.rectangle((cx - 4, cy - 14, cx + 4, cy + 14), fill=(160, 160, 160), outline=(207, 20, 43))
    d.rectangle((cx - 3, cy - 3, cx + 3, cy + 3), fill=(160, 160, 160))
    flag_border(d)
    return im


def draw_portugal(rng):
    im, d = new_canvas((236, 236, 236))
    x0, y0, x1, y1 = flag_frame(d, (255, 0, 0))
    d.rectangle((x0, y0, x0 + 71, y1 - 1), fill=(0, 102, 0))  # green 2/5 | red 3/5
    cx, cy = x0 + 72, y0 + 60
    d.ellipse((cx - 26, cy - 26, cx + 26, cy + 26), outline=(255, 255, 0), width=5)  # armillary sphere
    d.rectangle((cx - 11, cy - 13, cx + 11, cy + 13), fill=(255, 255, 255), outline=(255, 0, 0), width=3)
    d.rectangle((cx - 3, cy - 6, cx + 3, cy + 6), fill=(0, 0, 160))
    flag_border(d)
    return im


# --------------------------------------------------------------------------------------------
# The documents: slug, title, Wikipedia article, summary, facts. Summaries are the project's own
# wording of well-known encyclopedic facts; a fact that was not certain was left out.
# --------------------------------------------------------------------------------------------

DOCS = [
    # ---- foods ----
    ("churro", "Churro", "Churro",
     "A churro is a fried pastry made from a simple dough of flour, water and salt, piped through a "
     "star-shaped nozzle that gives it its ridges, and usually rolled in sugar. Churros are a traditional food of Spain and Portugal "
     "and are also popular across Latin America. In Spain they are often eaten for breakfast or as a "
     "snack, dipped in a cup of thick hot chocolate.",
     ["instance of: fried dough pastry", "country of origin: Spain", "also eaten in: Portugal, Latin America",
      "main ingredients: flour, water, salt", "served with: hot chocolate", "cuisine: Spanish cuisine"]),
    ("paella", "Paella", "Paella",
     "Paella is a rice dish from the region of Valencia on the east coast of Spain. It is cooked in a "
     "wide, shallow pan, also called a paella, and coloured yellow with saffron. Common versions add "
     "chicken and rabbit, or seafood such as prawns and mussels.",
     ["instance of: rice dish", "country of origin: Spain", "region of origin: Valencia",
      "main ingredients: rice, saffron", "cuisine: Spanish cuisine"]),
    ("spanish-omelette", "Spanish omelette", "Spanish_omelette",
     "The Spanish omelette, or tortilla de patatas, is a thick omelette of eggs and potatoes fried in "
     "olive oil, often with onion. It is one of the most common dishes in Spain, served hot or cold, "
     "whole or in slices as a tapa.",
     ["also known as: tortilla de patatas, tortilla española", "instance of: omelette",
      "country of origin: Spain", "main ingredients: egg, potato", "cuisine: Spanish cuisine"]),
    ("croissant", "Croissant", "Croissant",
     "A croissant is a crescent-shaped pastry made from a layered, yeast-leavened dough folded with "
     "butter. It developed in France from the Austrian kipferl and is a classic of French bakeries and "
     "breakfasts.",
     ["instance of: viennoiserie", "country of origin: France", "inspired by: kipferl",
      "main ingredients: flour, butter, yeast", "cuisine: French cuisine"]),
    ("pretzel", "Pretzel", "Pretzel",
     "A pretzel is a baked bread product shaped into a distinctive knot with two loops. The soft, "
     "lye-dipped pretzel sprinkled with coarse salt, the Brezel, is a fixture of southern German "
     "bakeries; hard, crunchy pretzels are a common snack in the United States.",
     ["instance of: bread", "also known as: Brezel", "cuisine: German cuisine",
      "main ingredients: flour, water, yeast, salt"]),
    ("baklava", "Baklava", "Baklava",
     "Baklava is a sweet pastry of many thin layers of filo dough filled with chopped nuts such as "
     "pistachios or walnuts and soaked in syrup or honey. It is associated with the cuisine of the "
     "Ottoman Empire and is eaten across Turkey, the Balkans and the Middle East.",
     ["instance of: dessert", "country of origin: Ottoman Empire",
      "main ingredients: filo, nuts, syrup or honey", "cuisine: Turkish cuisine"]),
    ("cannoli", "Cannoli", "Cannoli",
     "Cannoli are Italian pastries from Sicily: tube-shaped shells of fried dough filled with a sweet, "
     "creamy filling, usually based on ricotta. The ends are often decorated with chopped pistachios, "
     "candied fruit or chocolate chips.",
     ["instance of: pastry", "country of origin: Italy", "region of origin: Sicily",
      "main ingredients: fried dough, ricotta", "cuisine: Sicilian cuisine"]),
    ("pastel-de-nata", "Pastel de nata", "Pastel_de_nata",
     "A pastel de nata is a Portuguese egg custard tart in a crisp, flaky pastry case, often dusted "
     "with cinnamon. It was created by the monks of the Jerónimos Monastery in Belém, Lisbon. The "
     "tarts sold in Belém are known as pastéis de Belém.",
     ["instance of: custard tart", "country of origin: Portugal", "also known as: pastel de Belém",
      "main ingredients: puff pastry, egg yolk, cream, sugar", "cuisine: Portuguese cuisine"]),
    ("sushi", "Sushi", "Sushi",
     "Sushi is a Japanese dish of vinegared rice combined with other ingredients, most often raw or "
     "cooked seafood and vegetables. Well-known forms are maki (rolls wrapped in nori seaweed) and "
     "nigiri (a slice of fish on a hand-pressed mound of rice). It is usually served with soy sauce, "
     "wasabi and pickled ginger.",
     ["instance of: dish", "country of origin: Japan", "main ingredients: vinegared rice, seafood, nori",
      "cuisine: Japanese cuisine"]),
    ("beignet", "Beignet", "Beignet",
     "A beignet is a fritter of deep-fried dough, a pastry of French origin. In New Orleans beignets "
     "are square pieces of fried yeast dough covered in powdered sugar, famously served with "
     "café au lait, and the beignet is the official state doughnut of Louisiana.",
     ["instance of: fritter", "country of origin: France", "associated with: New Orleans",
      "main ingredients: dough, powdered sugar", "cuisine: French cuisine"]),
    ("hot-chocolate", "Hot chocolate", "Hot_chocolate",
     "Hot chocolate is a warm drink of melted chocolate or cocoa powder with milk or water, usually "
     "sweetened. Chocolate drinks were first made in Mesoamerica and reached Spain in the 16th "
     "century, from where they spread across Europe. A thick version is served in Spain for dipping "
     "churros.",
     ["instance of: drink", "place of origin: Mesoamerica", "main ingredients: chocolate or cocoa, milk"]),
    # ---- Buddhist and other religious buildings ----
    ("tayuan-temple", "Tayuan Temple", "Tayuan_Temple",
     "Tayuan Temple is a Buddhist temple in Taihuai on Mount Wutai, Shanxi province, China, one of the "
     "Four Sacred Mountains of Chinese Buddhism. The temple is built around the Great White Pagoda, a "
     "white Tibetan-style stupa about 50 metres tall that is the landmark of Mount Wutai; it is a "
     "sarira stupa, said to hold relics of the Buddha. The temple was originally the stupa courtyard "
     "of the neighbouring Xiantong Temple and became a temple of its own in the Ming dynasty.",
     ["instance of: Buddhist temple", "dedicated to: Gautama Buddha", "religion: Buddhism",
      "located in: Mount Wutai", "country: China", "also known as: Great White Pagoda temple",
      "architectural style: Tibetan-style stupa"]),
    ("miaoying-temple", "Miaoying Temple", "Miaoying_Temple",
     "Miaoying Temple, known as the White Dagoba Temple, is a Buddhist temple in the Xicheng district "
     "of Beijing, China. Its white Tibetan-style stupa was designed by the Nepalese architect Araniko "
     "and completed in 1279 under Kublai Khan, founder of the Yuan dynasty; it is the largest stupa "
     "surviving from the Yuan dynasty.",
     ["instance of: Buddhist temple", "religion: Tibetan Buddhism", "located in: Beijing",
      "country: China", "architect: Araniko", "commissioned by: Kublai Khan", "inception: 1279",
      "also known as: White Dagoba Temple"]),
    ("beihai-park", "Beihai Park", "Beihai_Park",
     "Beihai Park is a former imperial garden northwest of the Forbidden City in Beijing, China, more "
     "than half of which is a lake. On Jade Flower Island in the lake stands the White Dagoba, a "
     "Tibetan-style stupa first built in 1651 under the Shunzhi Emperor, the first Qing emperor to "
     "rule from Beijing, to honour a visit by the Dalai Lama.",
     ["instance of: park", "located in: Beijing", "country: China",
      "notable structure: White Dagoba (built 1651)", "religion of the White Dagoba: Tibetan Buddhism"]),
    ("shwedagon-pagoda", "Shwedagon Pagoda", "Shwedagon_Pagoda",
     "The Shwedagon Pagoda is a gilded stupa on Singuttara Hill in Yangon, Myanmar, and the most "
     "sacred Buddhist pagoda in the country. It is believed to enshrine relics of the four Buddhas of "
     "the present age, among them strands of hair of Gautama Buddha. Its bell-shaped body and spire "
     "are covered in gold plates.",
     ["instance of: stupa", "dedicated to: Gautama Buddha", "religion: Theravada Buddhism",
      "located in: Yangon", "country: Myanmar", "also known as: Great Dagon Pagoda, Golden Pagoda"]),
    ("borobudur", "Borobudur", "Borobudur",
     "Borobudur is a 9th-century Mahayana Buddhist temple in Central Java, Indonesia, and the largest "
     "Buddhist temple in the world. It was built under the Sailendra dynasty as a stepped pyramid of "
     "nine terraces carved with reliefs, with 504 Buddha statues and 72 openwork stupas around a "
     "central dome. It is a UNESCO World Heritage Site.",
     ["instance of: Buddhist temple", "religion: Mahayana Buddhism", "located in: Central Java",
      "country: Indonesia", "inception: 9th century", "heritage designation: World Heritage Site"]),
    ("mahabodhi-temple", "Mahabodhi Temple", "Mahabodhi_Temple",
     "The Mahabodhi Temple in Bodh Gaya, Bihar, India, marks the place where Siddhartha Gautama is "
     "said to have attained enlightenment under the Bodhi Tree. It is one of the most important "
     "pilgrimage sites of Buddhism; the first temple there is attributed to the emperor Ashoka, and "
     "the present brick tower is one of the oldest brick temples in India. It is a UNESCO World "
     "Heritage Site.",
     ["instance of: Buddhist temple", "dedicated to: Gautama Buddha", "religion: Buddhism",
      "located in: Bodh Gaya", "country: India", "heritage designation: World Heritage Site"]),
    ("stupa", "Stupa", "Stupa",
     "A stupa is a mound-like or hemispherical Buddhist structure that holds relics, typically "
     "remains of the Buddha or of Buddhist saints, and is used as a place of meditation. Pilgrims "
     "walk around it clockwise. Regional forms include the Tibetan chorten, the pagoda of East Asia "
     "and the bell-shaped zedi of Myanmar; the Great Stupa at Sanchi in India is among the oldest.",
     ["instance of: type of religious building", "religion: Buddhism",
      "also known as: chorten, dagoba, pagoda (East Asian form)", "contains: relics (sarira)"]),
    ("gautama-buddha", "Gautama Buddha", "Gautama_Buddha",
     "Siddhartha Gautama, the Buddha, was a spiritual teacher in ancient India and the founder of "
     "Buddhism. Born in Lumbini, in present-day Nepal, he renounced his princely life, attained "
     "enlightenment at Bodh Gaya and taught for decades across the Ganges plain. Buddhist temples and "
     "stupas throughout Asia are dedicated to him.",
     ["instance of: human", "also known as: Siddhartha Gautama, Shakyamuni, Sakyamuni, the Buddha, Lord Buddha",
      "founder of: Buddhism", "place of birth: Lumbini", "religion: Buddhism"]),
    ("angkor-wat", "Angkor Wat", "Angkor_Wat",
     "Angkor Wat is a temple complex near Siem Reap, Cambodia, built by the Khmer king Suryavarman II "
     "in the early 12th century. It was built as a Hindu temple dedicated to Vishnu and was gradually "
     "turned into a Buddhist temple. It is one of the largest religious monuments in the world and "
     "appears on the national flag of Cambodia.",
     ["instance of: temple", "dedicated to: Vishnu", "religion: Hinduism, later Buddhism",
      "commissioned by: Suryavarman II", "country: Cambodia", "heritage designation: World Heritage Site"]),
    ("st-johns-co-cathedral", "St. John's Co-Cathedral", "St._John%27s_Co-Cathedral",
     "St. John's Co-Cathedral is a Roman Catholic church in Valletta, Malta, built for the Order of "
     "Saint John between 1573 and 1577. It was commissioned by Grand Master Jean de la Cassière and "
     "designed by the Maltese architect Girolamo Cassar. Its plain exterior hides a richly decorated "
     "Baroque interior that holds Caravaggio's The Beheading of Saint John the Baptist.",
     ["instance of: church", "dedicated to: John the Baptist", "religion: Catholicism",
      "commissioned by: Jean de la Cassière", "architect: Girolamo Cassar", "located in: Valletta",
      "country: Malta", "inception: 1573"]),
    # ---- forts and the Order of Saint John ----
    ("fort-manoel", "Fort Manoel", "Fort_Manoel",
     "Fort Manoel is a star fort on Manoel Island in Gżira, Malta, commanding Marsamxett Harbour "
     "opposite Valletta. It was built between 1723 and 1733 by the Order of Saint John (the Knights "
     "Hospitaller) during the reign of Grand Master António Manoel de Vilhena, after whom the fort "
     "and the island are named. Its square plan has a bastion at each corner and a chapel dedicated "
     "to Saint Anthony of Padua inside.",
     ["instance of: star fort", "commissioned by: Order of Saint John",
      "commissioner also known as: Knights Hospitaller, Order of Hospitallers, Knights of Saint John",
      "named after: António Manoel de Vilhena", "located in: Manoel Island, Gżira", "country: Malta",
      "inception: 1723", "architectural style: Baroque"]),
    ("fort-st-angelo", "Fort St. Angelo", "Fort_St._Angelo",
     "Fort St. Angelo is a bastioned fort in Birgu, Malta, in the middle of the Grand Harbour. A "
     "castle stood on the site in the Middle Ages; the Order of Saint John rebuilt it after arriving in "
     "Malta in 1530 and made it their headquarters, and it was the Order's stronghold during the Great "
     "Siege of 1565. Part of the fort is now used by the Sovereign Military Order of Malta.",
     ["instance of: fort", "located in: Birgu", "country: Malta", "operator: Order of Saint John",
      "significant event: Great Siege of Malta (1565)"]),
    ("fort-st-elmo", "Fort St. Elmo", "Fort_St._Elmo",
     "Fort St. Elmo is a star fort at the tip of the Sciberras peninsula in Valletta, Malta, guarding "
     "the entrances of the Grand Harbour and Marsamxett Harbour. The Order of Saint John built it in "
     "1552; during the Great Siege of 1565 it held out for about a month before it fell to the Ottoman "
     "army. It now houses the National War Museum.",
     ["instance of: star fort", "commissioned by: Order of Saint John", "inception: 1552",
      "located in: Valletta", "country: Malta", "significant event: Great Siege of Malta (1565)"]),
    ("fort-ricasoli", "Fort Ricasoli", "Fort_Ricasoli",
     "Fort Ricasoli is a bastioned fort in Kalkara, Malta, on the promontory that guards the entrance "
     "to the Grand Harbour opposite Fort St. Elmo. The Order of Saint John built it between 1670 and "
     "1698, and it is the largest fort in Malta. It is named after the knight Giovanni Francesco "
     "Ricasoli, who paid for part of its construction.",
     ["instance of: bastioned fort", "commissioned by: Order of Saint John",
      "named after: Giovanni Francesco Ricasoli", "located in: Kalkara", "country: Malta",
      "inception: 1670"]),
    ("knights-hospitaller", "Knights Hospitaller", "Knights_Hospitaller",
     "The Knights Hospitaller, formally the Order of Knights of the Hospital of Saint John of "
     "Jerusalem, are a Catholic military order that grew out of a hospital for pilgrims in Jerusalem "
     "around the time of the First Crusade. The order ruled Rhodes from 1310 to 1522 and Malta from "
     "1530 until Napoleon took the island in 1798, building the fortifications of Valletta and the "
     "harbour forts. It continues today as the Sovereign Military Order of Malta.",
     ["instance of: military order",
      "also known as: Order of Saint John, Order of Hospitallers, Knights of Saint John, Knights of Malta, "
      "Order of the Hospital of St. John of Jerusalem",
      "headquarters: Rhodes (1310-1522), Malta (1530-1798)", "religion: Catholicism",
      "successor: Sovereign Military Order of Malta", "emblem: Maltese cross"]),
    ("antonio-manoel-de-vilhena", "António Manoel de Vilhena", "Ant%C3%B3nio_Manoel_de_Vilhena",
     "António Manoel de Vilhena (1663-1736) was a Portuguese nobleman who was Grand Master of the "
     "Order of Saint John from 1722 until his death. He is remembered in Malta for building Fort "
     "Manoel and the Manoel Theatre, for the founding of Floriana and for renovating Mdina.",
     ["instance of: human", "country of citizenship: Portugal",
      "position held: Grand Master of the Order of Saint John (1722-1736)",
      "notable work: Fort Manoel, Manoel Theatre", "date of birth: 1663", "date of death: 1736"]),
    ("valletta", "Valletta", "Valletta",
     "Valletta is the capital city of Malta, on the Sciberras peninsula between the Grand Harbour and "
     "Marsamxett Harbour. It was founded in 1566, after the Great Siege, by Grand Master Jean Parisot "
     "de Valette of the Order of Saint John, after whom it is named. The fortified Baroque city is a "
     "UNESCO World Heritage Site.",
     ["instance of: city", "capital of: Malta", "country: Malta", "founded by: Jean Parisot de Valette",
      "inception: 1566", "heritage designation: World Heritage Site"]),
    ("castillo-de-san-marcos", "Castillo de San Marcos", "Castillo_de_San_Marcos",
     "Castillo de San Marcos is a Spanish fort on Matanzas Bay in St. Augustine, Florida, and the "
     "oldest masonry fort in the continental United States. Spain built it between 1672 and 1695 to "
     "defend its colony of Florida, using coquina, a local stone made of shell fragments. It is a "
     "square with a bastion at each corner and is now a national monument.",
     ["instance of: star fort", "commissioned by: Spanish Empire", "located in: St. Augustine, Florida",
      "country: United States", "inception: 1672", "made from material: coquina"]),
    # ---- countries (flag images) ----
    ("spain", "Spain", "Spain",
     "Spain is a country in southwestern Europe, on the Iberian Peninsula, with Madrid as its capital. "
     "Its flag has three horizontal bands, red, yellow and red, the yellow band twice as tall as each "
     "red one, with the national coat of arms on the yellow band. Spanish cuisine includes paella, "
     "tortilla de patatas and churros.",
     ["instance of: country", "also known as: Kingdom of Spain, ES, ESP", "capital: Madrid",
      "official language: Spanish", "currency: euro", "continent: Europe"]),
    ("france", "France", "France",
     "France is a country in western Europe with Paris as its capital. Its flag is a vertical "
     "tricolour of blue, white and red. French cuisine gave the world the croissant and many other "
     "pastries.",
     ["instance of: country", "also known as: French Republic", "capital: Paris",
      "official language: French", "currency: euro", "continent: Europe"]),
    ("italy", "Italy", "Italy",
     "Italy is a country in southern Europe whose territory includes the Italian peninsula, Sicily and "
     "Sardinia; its capital is Rome. Its flag is a vertical tricolour of green, white and red.",
     ["instance of: country", "also known as: Italian Republic", "capital: Rome",
      "official language: Italian", "currency: euro", "continent: Europe"]),
    ("japan", "Japan", "Japan",
     "Japan is an island country in East Asia with Tokyo as its capital. Its flag is a red disc on a "
     "white field. Sushi is among the best-known Japanese dishes.",
     ["instance of: country", "capital: Tokyo", "official language: Japanese", "currency: Japanese yen",
      "continent: Asia"]),
    ("malta", "Malta", "Malta",
     "Malta is an island country in the Mediterranean Sea, south of Sicily, with Valletta as its "
     "capital. The Knights Hospitaller ruled the islands from 1530 to 1798, and Malta became "
     "independent from the United Kingdom in 1964. Its flag is divided vertically into white and red "
     "halves, with the George Cross in the upper corner of the white half.",
     ["instance of: country", "also known as: Republic of Malta", "capital: Valletta",
      "official language: Maltese, English", "currency: euro", "continent: Europe"]),
    ("portugal", "Portugal", "Portugal",
     "Portugal is a country on the Iberian Peninsula in southwestern Europe with Lisbon as its "
     "capital. Its flag is divided vertically into green and red, with the national coat of arms set "
     "on an armillary sphere where the two colours meet.",
     ["instance of: country", "also known as: Portuguese Republic", "capital: Lisbon",
      "official language: Portuguese", "currency: euro", "continent: Europe"]),
]

README = """\
# Sample corpus

A small search corpus for the README's main job: `gog index testdata/corpus --model
testdata/models/tiny-clip --out IDX`, then `gog ask --image testdata/photos/sample-N.jpg
--question "..." --index IDX`. It has {n} documents: the entities that answer the three questions
in `../photos/samples.json` and plausible distractors.

| group | documents |
|-------|-----------|
{table}

Each document is an image `slug.png` (192x144) and its sidecar `slug.json`:

- `title`: the entity's name; `url`: its English Wikipedia article;
- `text`: two to four sentences of summary, then a line `Facts:` and lines `relation: value`
  using InfoSeek / Wikidata-style relation names (`country of origin`, `dedicated to`,
  `commissioned by`, `located in`, `inception`, ...). `also known as` lines list aliases.

The texts are this project's own short summaries of well-known public encyclopedic facts (facts
that could not be stated with confidence were left out). The images are not photographs: they
are drawn from flat shapes by `scripts/testdata/make_corpus.py` (flags by their simple geometry,
simplified: Spain without its coat of arms, Portugal's arms and Malta's George Cross reduced to
plain shapes; emblems such as the Maltese cross and the dharma wheel; plates of
food; stupa, temple and fort outlines).

The query photos (`../photos/sample-*.jpg`) and anything derived from them (crops, resizes,
embeddings) are deliberately absent: answering a question about a photo must go through a search
that matches the drawn images or the texts, never through a copy of the photo itself.

Regenerate everything here (images, sidecars and this file; the texts live in the script as
data) with:

```sh
/usr/bin/python3 scripts/testdata/make_corpus.py
```

The script is deterministic and writes byte-identical files on every run.
"""

GROUPS = [
    ("foods", ["churro", "paella", "spanish-omelette", "croissant", "pretzel", "baklava", "cannoli",
               "pastel-de-nata", "sushi", "beignet", "hot-chocolate"]),
    ("Buddhist and other religious buildings", ["tayuan-temple", "miaoying-temple", "beihai-park",
                                                "shwedagon-pagoda", "borobudur", "mahabodhi-temple",
                                                "stupa", "gautama-buddha", "angkor-wat",
                                                "st-johns-co-cathedral"]),
    ("forts and the Order of Saint John", ["fort-manoel", "fort-st-angelo", "fort-st-elmo",
                                           "fort-ricasoli", "knights-hospitaller",
                                           "antonio-manoel-de-vilhena", "valletta",
                                           "castillo-de-san-marcos"]),
    ("countries (flags)", ["spain", "france", "italy", "japan", "malta", "portugal"]),
]


def sidecar_text(summary, facts):
    return summary + "\nFacts:\n" + "\n".join(facts)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for p in sorted(OUT.iterdir()):
        if p.suffix in (".png", ".json"):
            p.unlink()

    slugs = [d[0] for d in DOCS]
    if len(set(slugs)) != len(slugs):
        sys.exit("duplicate slug")
    grouped = [s for _, ss in GROUPS for s in ss]
    if sorted(grouped) != sorted(slugs):
        sys.exit("GROUPS does not list every document exactly once")

    total = 0
    for slug, title, article, summary, facts in DOCS:
        draw = globals()["draw_" + slug.replace("-", "_")]
        rng = random.Random(zlib.crc32(slug.encode("utf-8")))
        im = draw(rng)
        assert im.size == (W, H) and im.mode == "RGB", slug
        png = OUT / (slug + ".png")
        im.save(png, format="PNG", optimize=True)
        side = {"title": title, "url": WIKI + article, "text": sidecar_text(summary, facts)}
        js = OUT / (slug + ".json")
        js.write_text(json.dumps(side, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        total += png.stat().st_size + js.stat().st_size

    names = {d[0]: d[1] for d in DOCS}
    table = "\n".join("| {} | {} |".format(g, ", ".join(names[s] for s in ss)) for g, ss in GROUPS)
    readme = OUT / "README.md"
    readme.write_text(README.format(n=len(DOCS), table=table), encoding="utf-8")
    total += readme.stat().st_size

    print("wrote {} documents to {} ({} bytes in all)".format(len(DOCS), OUT, total))
    if total >= MAX_TOTAL_BYTES:
        sys.exit("corpus is {} bytes, over the {} byte budget".format(total, MAX_TOTAL_BYTES))


if __name__ == "__main__":
    main()
