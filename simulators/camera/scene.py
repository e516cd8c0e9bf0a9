"""What the simulated document camera sees: an empty desk, a page sliding in (motion-blurred), the
autofocus settling, then the page lying still; taken away on command.

Frames are composed here from the document renderer's page image (`simulators.documents`), so the
camera and the scanner simulators show the same printed page. Everything is seeded: the desk, the
place the page comes to rest, the sensor noise. Frames are BGR uint8 arrays (what `cv2.imencode`
takes); the server turns them into JPEG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from simulators.documents import DocumentSpec, render_page

#: Frames of the slide-in (each motion-blurred along the movement), then of the focus settling.
SLIDE_FRAMES = 4
FOCUS_FRAMES = 3
#: Focus blur of the settling frames (Gaussian sigma in pixels), the last one sharpest.
FOCUS_SIGMAS = (2.2, 1.4, 0.8)
NOISE_PATTERNS = 4  # precomputed sensor-noise frames, cycled (cheap, and frames still differ)


def desk_background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An empty desk seen from above: a matte grey-brown top with a faint grain, a pen and a sticky
    note at the edges (static objects a presence detector must learn as background)."""
    rng = np.random.default_rng(seed * 7919 + 11)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = 6 * np.sin(yy / rng.uniform(5, 9) + 2 * np.sin(xx / rng.uniform(90, 160)))
    base = np.array([88, 104, 118], np.float32)  # BGR: a darkish wooden desk
    img = np.clip(base + grain[..., None] + rng.normal(0, 2, (height, width, 1)), 0, 255).astype(np.uint8)
    cv2.line(img, (int(width * 0.05), int(height * 0.9)), (int(width * 0.22), int(height * 0.97)), (40, 40, 160), 9)
    cv2.rectangle(img, (int(width * 0.88), int(height * 0.04)), (int(width * 0.98), int(height * 0.17)),
                  (120, 230, 240), -1)
    return img


@dataclass(frozen=True)
class Rendered:
    page: np.ndarray  # BGR page image
    still: np.ndarray  # the frame with the page at rest (no noise)
    mrz_lines: list[str]


@dataclass
class Scene:
    """The frame sequence of one desk. `frame(n)` is the n-th frame since the start; `place` and
    `remove` take effect at the next frame."""

    width: int = 1280
    height: int = 960
    seed: int = 0
    noise: float = 2.0  # sensor noise sigma, grey levels
    page_dpi: float = 200.0
    skew: float = 2.0  # the page comes to rest turned by this many degrees

    def __post_init__(self) -> None:
        self.background = desk_background(self.width, self.height, self.seed)
        rng = np.random.default_rng(self.seed * 31 + 1)
        self._noise = [rng.normal(0, self.noise, (self.height, self.width, 1)).astype(np.int16)
                       for _ in range(NOISE_PATTERNS)]
        self._page: np.ndarray | None = None  # BGR page image
        self._still: np.ndarray | None = None  # the composed frame with the page at rest
        self._placed_at = -1  # frame counter when `place` took effect; -1: no document
        self._counter = 0
        self.mrz_lines: list[str] = []

    # --- commands ----------------------------------------------------------------------------

    def place(self, spec: DocumentSpec, light: str = "white") -> None:
        self.put(self.render(spec, light))

    def render(self, spec: DocumentSpec, light: str = "white") -> Rendered:
        """The page and the frame with it at rest, computed without touching the scene (the server
        renders outside its lock, so frames keep flowing while a page is drawn)."""
        page = render_page(spec, dpi=self.page_dpi, light=light)
        bgr = cv2.cvtColor(page.image, cv2.COLOR_RGB2BGR)
        return Rendered(bgr, self._compose(bgr, self._rest_transform(bgr)), list(page.mrz_lines))

    def put(self, rendered: Rendered) -> None:
        """The page is put down: the next frame is the first of its slide-in."""
        self._page, self._still, self.mrz_lines = rendered.page, rendered.still, rendered.mrz_lines
        self._placed_at = self._counter

    def remove(self) -> None:
        self._page = self._still = None
        self._placed_at = -1
        self.mrz_lines = []

    @property
    def placed(self) -> bool:
        return self._page is not None

    @property
    def still(self) -> np.ndarray | None:
        """The frame with the page at rest, before noise (what a perfect capture would be)."""
        return self._still

    # --- frames ------------------------------------------------------------------------------

    def next_frame(self) -> np.ndarray:
        """The next frame: background, or the page moving in, settling focus, or at rest; with noise."""
        n = self._counter
        self._counter += 1
        if self._page is None or self._still is None:
            clean = self.background
        else:
            k = n - self._placed_at
            if k < SLIDE_FRAMES:
                clean = self._slide_frame(k)
            elif k < SLIDE_FRAMES + FOCUS_FRAMES:
                clean = cv2.GaussianBlur(self._still, (0, 0), FOCUS_SIGMAS[k - SLIDE_FRAMES])
            else:
                clean = self._still
        noisy = clean.astype(np.int16) + self._noise[n % NOISE_PATTERNS]
        return np.clip(noisy, 0, 255).astype(np.uint8)

    def _rest_transform(self, page: np.ndarray) -> np.ndarray:
        """Page pixels -> frame pixels for the page at rest: centred, turned by `skew`."""
        ph, pw = page.shape[:2]
        m = cv2.getRotationMatrix2D((pw / 2, ph / 2), self.skew, 1.0)
        m[0, 2] += self.width / 2 - pw / 2
        m[1, 2] += self.height / 2 - ph / 2
        return m

    def _compose(self, page: np.ndarray, m: np.ndarray) -> np.ndarray:
        out = self.background.copy()
        cv2.warpAffine(page, m, (self.width, self.height), dst=out, flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_TRANSPARENT)
        return out

    def _slide_frame(self, k: int) -> np.ndarray:
        """Slide-in frame k (0..SLIDE_FRAMES-1): the page comes from the right, decelerating, blurred
        along its path by the distance it covers in one exposure."""
        assert self._page is not None
        offset = self.width * 0.6 * (1 - (k + 1) / (SLIDE_FRAMES + 1)) ** 1.5
        speed = self.width * 0.6 * 1.5 * (1 - (k + 1) / (SLIDE_FRAMES + 1)) ** 0.5 / (SLIDE_FRAMES + 1)
        m = self._rest_transform(self._page)
        m[0, 2] += offset
        frame = self._compose(self._page, m)
        length = max(3, math.ceil(speed * 0.5))  # the shutter is open half the frame interval
        kernel = np.full((1, length), 1.0 / length, np.float32)
        return cv2.filter2D(frame, -1, kernel)
