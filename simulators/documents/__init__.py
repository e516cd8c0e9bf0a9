"""Document renderer: TD1, TD2, TD3, MRV-A and MRV-B pages with an OCR-B MRZ, a drawn portrait,
background security print, and realistic degradations — each picture with its ground truth.

    from simulators.documents import render, random_case
    doc = render(seed=7, fmt="TD3", degradation=Degradation(rotation=90, skew=4, blur=0.05))
    doc.encoded           # PNG/JPEG bytes as a scanner or phone would deliver them
    doc.truth.to_dict()   # MRZ lines, format, MRZ and portrait boxes, rotation, DPI, degradations

Seeded and deterministic; invented persons and ICAO specimens only; never a photograph. The page is
made of ink layers, so the same document renders under `light="white" | "ir" | "uv"`, and forgery
switches (`ir_invisible_mrz`, `uv_bright_paper`, `swapped_photo`, `no_uv_feature`, an `mrz_lines`
override that differs from the chip) give the optical checks of issue 13 their test material.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .degrade import Degradation, Picture, take_picture
from .inks import LIGHTS
from .mrz_text import FORMATS, MrzFields, check_digit, compose
from .page import FORGERIES, DocumentSpec, Page, render_page
from .persons import SPECIMENS, Person, invented_document

__all__ = [
    "FORGERIES",
    "FORMATS",
    "LIGHTS",
    "PROFILES",
    "Degradation",
    "DocumentSpec",
    "GroundTruth",
    "MrzFields",
    "Person",
    "RenderedDocument",
    "check_digit",
    "compose",
    "invented_document",
    "random_case",
    "render",
    "render_page",
    "specimen_spec",
]


@dataclass
class GroundTruth:
    format: str
    mrz_lines: list[str]
    mrz_quad: list[tuple[float, float]] | None
    mrz_box: tuple[int, int, int, int] | None      # x, y, w, h in picture pixels
    mrz_line_boxes: list[tuple[int, int, int, int]]
    portrait_box: tuple[int, int, int, int] | None
    rotation: int                                  # quarter turn the reader should report
    angle: float                                   # exact rotation + skew, degrees counter-clockwise
    dpi: float                                     # sampling of the MRZ in the picture
    image_size: tuple[int, int]                    # width, height
    light: str
    side: str
    seed: int
    degradations: dict[str, Any]
    forgeries: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "mrz_lines": self.mrz_lines,
            "mrz_quad": [list(p) for p in self.mrz_quad] if self.mrz_quad else None,
            "mrz_box": list(self.mrz_box) if self.mrz_box else None,
            "mrz_line_boxes": [list(b) for b in self.mrz_line_boxes],
            "portrait_box": list(self.portrait_box) if self.portrait_box else None,
            "rotation": self.rotation, "angle": round(self.angle, 3), "dpi": round(self.dpi, 1),
            "image_size": list(self.image_size), "light": self.light, "side": self.side, "seed": self.seed,
            "degradations": self.degradations, "forgeries": self.forgeries,
        }


@dataclass
class RenderedDocument:
    image: np.ndarray      # RGB uint8
    encoded: bytes
    file_ext: str
    truth: GroundTruth
    page: Page

    def save(self, folder: Path, stem: str) -> Path:
        """Write `stem.png|.jpg` and `stem.json` (the ground truth) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}{self.file_ext}"
        path.write_bytes(self.encoded)
        (folder / f"{stem}.json").write_text(json.dumps(self.truth.to_dict(), ensure_ascii=False, indent=1) + "\n")
        return path


def specimen_spec(name: str) -> DocumentSpec:
    """An ICAO specimen (`TD3`, `TD2`, `TD1`, `TD1-DE`) as a printable document."""
    lines = SPECIMENS[name]
    fmt = name.split("-")[0]
    fields, person = invented_document(0, fmt, "UTO" if name != "TD1-DE" else "D")
    return DocumentSpec(fields, person, mrz_lines=tuple(lines))


def _quarter(angle: float) -> int:
    return round((angle % 360) / 90.0) % 4 * 90


def _box(q: Any) -> tuple[int, int, int, int]:
    from .degrade import _bbox

    return _bbox(q)


def render(spec: DocumentSpec | None = None, *, seed: int = 0, fmt: str | None = None, state: str | None = None,
           degradation: Degradation | None = None, light: str = "white", side: str = "mrz",
           render_dpi: float | None = None) -> RenderedDocument:
    """Render `spec` (or an invented document from `seed`, `fmt`, `state`) and take its picture."""
    d = degradation or Degradation()
    if spec is None:
        fields, person = invented_document(seed, fmt, state)
        spec = DocumentSpec(fields, person, portrait_seed=seed, design_seed=seed)
    dpi = render_dpi or max(d.dpi, 200.0)
    page = render_page(spec, dpi=dpi, light=light, side=side)
    pic: Picture = take_picture(page, d, seed)
    h, w = pic.image.shape[:2]
    truth = GroundTruth(
        format=spec.format, mrz_lines=page.mrz_lines if side == "mrz" else [],
        mrz_quad=list(pic.mrz_quad) if pic.mrz_quad else None,
        mrz_box=_box(pic.mrz_quad) if pic.mrz_quad else None,
        mrz_line_boxes=[_box(q) for q in pic.mrz_line_quads],
        portrait_box=_box(pic.portrait_quad) if pic.portrait_quad else None,
        rotation=_quarter(pic.angle), angle=pic.angle, dpi=pic.mrz_dpi, image_size=(w, h), light=light,
        side=side, seed=seed, degradations=d.applied(), forgeries=sorted(spec.forgeries),
    )
    return RenderedDocument(pic.image, pic.encoded, pic.file_ext, truth, page)


# Mixed cases for benchmarks and tests: what a desk scanner and a phone deliver, from easy to hard.
PROFILES = ("scan", "scan-rotated", "degraded", "phone")


def random_case(seed: int, profile: str | None = None) -> tuple[DocumentSpec, Degradation]:
    """A seeded (document, degradation) pair of the given profile (or a random one)."""
    rng = random.Random(seed * 31 + 3)
    profile = profile or rng.choice(PROFILES)
    fields, person = invented_document(seed)
    spec = DocumentSpec(fields, person, portrait_seed=seed, design_seed=seed)
    rot = rng.choice((0, 90, 180, 270))
    if profile == "scan":
        d = Degradation(scene="scanner", dpi=rng.choice((200.0, 300.0)), skew=rng.uniform(-3, 3),
                        jpeg=rng.choice((0, 85, 92)), noise=rng.uniform(0, 3))
    elif profile == "scan-rotated":
        d = Degradation(scene=rng.choice(("scanner", "none")), rotation=rot, skew=rng.uniform(-15, 15),
                        dpi=rng.choice((200.0, 300.0)), jpeg=rng.choice((0, 80)), noise=rng.uniform(0, 4))
    elif profile == "degraded":
        d = Degradation(scene="none", rotation=rot, skew=rng.uniform(-8, 8), dpi=rng.uniform(170, 300),
                        blur=rng.uniform(0.0, 0.08), noise=rng.uniform(2, 8), jpeg=rng.randint(35, 90),
                        lighting=rng.uniform(0, 0.4), motion=rng.choice((0.0, 0.0, rng.uniform(0.1, 0.3))),
                        motion_angle=rng.uniform(0, 180))
    elif profile == "phone":
        d = Degradation(scene="phone", rotation=rng.choice((0, 0, 90, 270)), skew=rng.uniform(-12, 12),
                        perspective=rng.uniform(0.0, 0.06), dpi=rng.uniform(180, 300),
                        blur=rng.uniform(0.0, 0.05), noise=rng.uniform(2, 6), jpeg=rng.randint(60, 92),
                        lighting=rng.uniform(0.1, 0.5))
    else:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    return spec, d
