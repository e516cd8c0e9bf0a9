"""Put a rendered page into a picture: placement (none, A4 scanner bed, phone photo with clutter),
rotation and skew, perspective, lighting gradient, glare, focus and motion blur, sensor resolution,
noise and JPEG — in that physical order, whatever order they are given in.

All geometry is one homography from page pixels to picture pixels, so the ground truth (MRZ box,
portrait box) is carried exactly into picture coordinates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .page import SANS, Page, Quad, _font

SCENES = ("none", "scanner", "phone")


@dataclass(frozen=True)
class Degradation:
    """How the picture is taken. Angles in degrees, counter-clockwise as seen in the picture;
    lengths in millimetres on the document, so a degradation means the same at every DPI."""

    rotation: int = 0          # 0, 90, 180, 270: the document turned by quarter turns
    skew: float = 0.0          # extra rotation, degrees (the reader handles up to ±15)
    perspective: float = 0.0   # 0..0.25: corner displacement relative to the document size
    scene: str = "none"        # none | scanner | phone
    dpi: float = 300.0         # sampling of the document plane in the picture
    blur: float = 0.0          # focus blur, Gaussian sigma in mm
    motion: float = 0.0        # motion blur length in mm
    motion_angle: float = 0.0
    noise: float = 0.0         # sensor noise sigma, grey levels
    jpeg: int = 0              # 0: lossless PNG; else JPEG quality 1..100
    lighting: float = 0.0      # 0..0.8: darkening across the picture
    glare: float = 0.0         # glare spot radius in mm (0: none)
    glare_on_mrz: bool = True  # centre the glare over the MRZ (else over the visual zone)

    def __post_init__(self) -> None:
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError("rotation must be 0, 90, 180 or 270")
        if self.scene not in SCENES:
            raise ValueError(f"scene must be one of {', '.join(SCENES)}")
        if not 20 <= self.dpi <= 1200:
            raise ValueError("dpi must lie in 20..1200")
        if self.jpeg and not 1 <= self.jpeg <= 100:
            raise ValueError("jpeg quality must lie in 1..100")

    @classmethod
    def parse(cls, text: str) -> Degradation:
        """'rotation=90,skew=5,blur=0.1,scene=phone,jpeg=60' (the CLI's --degrade)."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, raw = part.partition("=")
            key = key.strip().replace("-", "_")
            if key not in known:
                raise ValueError(f"unknown degradation {key!r}; known: {', '.join(known)}")
            default = getattr(cls(), key)
            if isinstance(default, bool):
                values[key] = raw.strip().lower() in ("1", "true", "yes", "on", "")
            elif isinstance(default, int):
                values[key] = int(raw)
            elif isinstance(default, float):
                values[key] = float(raw)
            else:
                values[key] = raw.strip()
        return cls(**values)  # type: ignore[arg-type]

    def applied(self) -> dict[str, object]:
        """The settings that differ from a clean flat scan (for the ground truth)."""
        base = asdict(Degradation())
        return {k: v for k, v in asdict(self).items() if v != base[k] or k in ("dpi", "scene")}


def _rotation(theta_deg: float) -> np.ndarray:
    t = math.radians(theta_deg)
    c, s = math.cos(t), math.sin(t)
    return np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], np.float64)


def _apply(h: np.ndarray, quad: Quad) -> Quad:
    pts = cv2.perspectiveTransform(np.array([quad], np.float64), h)[0]
    return tuple((float(x), float(y)) for x, y in pts)


def _bbox(quad: Quad) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    x0, y0 = math.floor(min(xs)), math.floor(min(ys))
    return x0, y0, math.ceil(max(xs)) - x0, math.ceil(max(ys)) - y0


def _clutter(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A desk seen by a phone: wood-like grain, papers, objects and some printed words."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array(rng.uniform(60, 170, 3), np.float32)
    grain = 18 * np.sin(yy / rng.uniform(6, 14) + 3 * np.sin(xx / rng.uniform(80, 200)))
    img = np.clip(base + grain[..., None] + rng.normal(0, 6, (h, w, 1)), 0, 255).astype(np.uint8)
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = rng.uniform(-0.2, 1.0) * w, rng.uniform(-0.2, 1.0) * h
        x1, y1 = x0 + rng.uniform(0.05, 0.4) * w, y0 + rng.uniform(0.05, 0.4) * h
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            d.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            d.ellipse((x0, y0, x1, y1), fill=colour)
    words = ["Termin", "Dienstag", "Formular", "Anmeldung", "0821 4433", "Seite 2", "Rechnung", "Nr. 1047"]
    for _ in range(int(rng.integers(4, 10))):
        size = int(rng.integers(max(8, h // 60), max(12, h // 20)))
        colour = tuple(int(v) for v in rng.integers(0, 90, 3))
        d.text((rng.uniform(0, w), rng.uniform(0, h)), str(rng.choice(words)), font=_font(SANS, size), fill=colour)
    return np.asarray(pil).copy()


@dataclass
class Picture:
    image: np.ndarray            # RGB uint8, after every degradation (JPEG artefacts included)
    encoded: bytes               # the picture as a file (PNG or JPEG)
    file_ext: str
    homography: np.ndarray       # page pixels -> picture pixels
    mrz_quad: Quad | None
    mrz_line_quads: list[Quad]
    portrait_quad: Quad | None
    angle: float                 # rotation + skew, degrees counter-clockwise
    mrz_dpi: float               # picture pixels per inch on the document plane at the MRZ


def take_picture(page: Page, d: Degradation, seed: int) -> Picture:
    rng = np.random.default_rng(seed * 92821 + 5)
    src = page.image
    scale = d.dpi / page.dpi
    if scale < 1.0:  # anti-alias before the warp samples the page more coarsely
        sigma = 0.45 / scale
        src = cv2.GaussianBlur(src, (0, 0), sigma)
    ph, pw = src.shape[:2]
    centre = np.array([[1, 0, -pw / 2], [0, 1, -ph / 2], [0, 0, 1]], np.float64)
    h = np.diag([scale, scale, 1.0]) @ centre
    if d.perspective:
        k = d.perspective
        w2, h2 = pw * scale / 2, ph * scale / 2
        srcq = np.float32([[-w2, -h2], [w2, -h2], [w2, h2], [-w2, h2]])
        jit = rng.uniform(-k, k, (4, 2)) * np.float32([w2 * 2, h2 * 2])
        h = cv2.getPerspectiveTransform(srcq, (srcq + jit).astype(np.float32)).astype(np.float64) @ h
    angle = d.rotation + d.skew
    h = _rotation(angle) @ h
    corners = _apply(h, ((0, 0), (pw, 0), (pw, ph), (0, ph)))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    bw, bh = max(xs) - min(xs), max(ys) - min(ys)
    mm = d.dpi / 25.4
    if d.scene == "scanner":
        cw, ch = round(210 * mm), round(297 * mm)
        if bw > cw or bh > ch:
            cw, ch = ch, cw
        margin = 4 * mm
        ox = rng.uniform(margin, max(margin, cw - bw - margin))
        oy = rng.uniform(margin, max(margin, ch - bh - margin * 1.0))
        if rng.random() < 0.6:  # people put the document in the scanner's corner
            ox, oy = margin + rng.uniform(0, 6 * mm), margin + rng.uniform(0, 6 * mm)
        tile = np.clip(248 + rng.normal(0, 1.5, (64, 64, 1)), 0, 255).astype(np.uint8)
        canvas = np.ascontiguousarray(np.tile(tile, (ch // 64 + 1, cw // 64 + 1, 3))[:ch, :cw])
    elif d.scene == "phone":
        fill = rng.uniform(0.55, 0.8)
        cw = round(bw / fill)
        ch = round(cw * 0.75)
        if ch < bh / 0.9:
            ch = round(bh / 0.9)
        ox, oy = rng.uniform(0.02, 0.98) * (cw - bw), rng.uniform(0.05, 0.95) * (ch - bh)
        canvas = _clutter(ch, cw, rng)
    else:
        margin = 3 * mm
        cw, ch = round(bw + 2 * margin), round(bh + 2 * margin)
        ox, oy = margin, margin
        canvas = np.full((ch, cw, 3), 240, np.uint8)
    h = np.array([[1, 0, ox - min(xs)], [0, 1, oy - min(ys)], [0, 0, 1]], np.float64) @ h
    out = cv2.warpPerspective(src, h, (cw, ch), dst=canvas, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_TRANSPARENT)
    mrz_quad = None
    line_quads = [_apply(h, q) for q in page.mrz_line_quads]
    if line_quads:
        first, last = line_quads[0], line_quads[-1]
        mrz_quad = (first[0], first[1], last[2], last[3])
    portrait = _apply(h, page.portrait_quad) if page.portrait_quad else None

    photometric = d.lighting or d.glare or d.blur or d.motion or d.noise
    if photometric:
        img = out.astype(np.float32)
        if d.lighting:
            yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
            a = rng.uniform(0, 2 * math.pi)
            ramp = (math.cos(a) * (xx / cw - 0.5) + math.sin(a) * (yy / ch - 0.5)) + 0.5
            img *= (1.0 - d.lighting * np.clip(ramp, 0, 1))[..., None]
        if d.glare:
            if d.glare_on_mrz and mrz_quad is not None:
                q = np.array(mrz_quad)
                t = rng.uniform(0.15, 0.85)
                top, bottom = q[0] + t * (q[1] - q[0]), q[3] + t * (q[2] - q[3])
                cx, cy = top + rng.uniform(0.3, 0.7) * (bottom - top)
            else:
                doc = np.array(corners) + np.array([ox - min(xs), oy - min(ys)])
                cx, cy = doc.mean(axis=0) + rng.uniform(-0.2, 0.2, 2) * np.array([bw, bh])
            r = d.glare * mm
            yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
            dist2 = ((xx - cx) ** 2 + ((yy - cy) * 1.4) ** 2) / (r * r)
            core = np.clip(1.6 * np.exp(-dist2 * 1.5), 0, 1)
            img = img + (300.0 - img) * core[..., None]
        if d.blur:
            img = cv2.GaussianBlur(img, (0, 0), max(0.3, d.blur * mm))
        if d.motion:
            n = max(3, round(d.motion * mm))
            k = np.zeros((n, n), np.float32)
            k[n // 2, :] = 1.0
            rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), d.motion_angle, 1.0)
            k = cv2.warpAffine(k, rot, (n, n))
            img = cv2.filter2D(img, -1, k / max(float(k.sum()), 1e-6))
        if d.noise:
            noise = np.empty_like(img)
            cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
            cv2.randn(noise, 0.0, float(d.noise))
            img += noise
        final = cv2.convertScaleAbs(np.maximum(img, 0))  # rounds and saturates to 0..255
    else:
        final = out
    bgr = cv2.cvtColor(final, cv2.COLOR_RGB2BGR)
    if d.jpeg:
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(d.jpeg)])
        ext = ".jpg"
        final = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    else:
        ok, buf = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        ext = ".png"
    if not ok:
        raise RuntimeError("OpenCV could not encode the picture")
    # effective sampling at the MRZ: the first line's length in picture px over its length in inches
    mrz_dpi = d.dpi
    if line_quads:
        q = np.array(line_quads[0])
        n = len(page.mrz_lines[0])
        mrz_dpi = float(np.linalg.norm(q[1] - q[0])) / (n * 0.1)
    return Picture(final, buf.tobytes(), ext, h, mrz_quad, line_quads, portrait, angle, mrz_dpi)


def with_defaults(d: Degradation, **changes: object) -> Degradation:
    return replace(d, **changes)  # type: ignore[arg-type]
