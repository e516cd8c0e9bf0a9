"""Ink layers and how each looks under white, infrared and ultraviolet light.

A page is paper plus layers of ink. Each layer has a coverage mask and three optical responses:
its colour under white light (reflectance per channel), its absorption in the near infrared
(~900 nm; Doc 9303 Part 3 4.11: the MRZ must absorb in the B900 band) and its fluorescence under
UV (emitted colour) with how much UV glow from below it blocks. The same page therefore renders
under `light="white"`, `"ir"` or `"uv"`, and forgeries are just different responses (an MRZ
printed with IR-transparent dye, paper with optical brighteners that glows under UV).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Light = Literal["white", "ir", "uv"]
LIGHTS: tuple[str, ...] = ("white", "ir", "uv")


@dataclass
class InkLayer:
    name: str
    mask: np.ndarray                       # float32 HxW coverage 0..1
    colour: np.ndarray | tuple[float, float, float]  # reflectance RGB 0..1 under white light (or HxWx3)
    ir_absorption: float | np.ndarray = 0.0   # 0 = transparent in IR, 1 = black in IR
    uv_emission: tuple[float, float, float] = (0.0, 0.0, 0.0)  # RGB glow under UV
    uv_absorption: float = 0.5             # how much of the paper's UV glow it hides


@dataclass(frozen=True)
class Paper:
    colour: tuple[float, float, float] = (0.96, 0.95, 0.92)
    ir_reflectance: float = 0.88
    uv_glow: tuple[float, float, float] = (0.07, 0.06, 0.12)  # security paper stays dull under UV


BRIGHT_UV_PAPER = (0.72, 0.78, 0.98)  # office paper with optical brighteners: a forgery sign


def compose(paper: Paper, layers: list[InkLayer], shape: tuple[int, int], light: str) -> np.ndarray:
    """RGB uint8 image of the page under `light`."""
    if light not in LIGHTS:
        raise ValueError(f"unknown light {light!r}; one of {', '.join(LIGHTS)}")
    h, w = shape
    if light == "white":
        out = np.empty((h, w, 3), np.float32)
        out[:] = paper.colour
        for layer in layers:
            m = layer.mask[..., None]
            ink = np.asarray(layer.colour, np.float32)
            out *= 1.0 - m * (1.0 - ink)
    elif light == "ir":
        g = np.full((h, w), paper.ir_reflectance, np.float32)
        for layer in layers:
            a = layer.ir_absorption
            if np.isscalar(a) and a == 0:
                continue
            g *= 1.0 - layer.mask * np.asarray(a, np.float32)
        out = np.repeat(g[..., None], 3, axis=2)
    else:
        out = np.empty((h, w, 3), np.float32)
        out[:] = paper.uv_glow
        for layer in layers:
            m = layer.mask[..., None]
            out *= 1.0 - m * layer.uv_absorption
            if any(layer.uv_emission):
                out += m * np.asarray(layer.uv_emission, np.float32)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
