"""Page geometry of each format, in millimetres from the page's top-left corner.

Sizes and MRZ rules from ICAO Doc 9303: Part 3 4.4 (OCR-B size 1 at a fixed pitch of 2.54 mm, 10
characters per 25.4 mm), Part 4 (TD3 125 x 88 mm, MRZ zone 23.2 mm high at the bottom edge), Part 5
(TD1 85.60 x 53.98 mm, MRZ zone 23.3 mm, left margin 5.0 mm, line spacing 4.0 mm), Part 6 (TD2
105 x 74 mm, MRZ zone 23.2 mm, left margin 4.0 mm), Part 7 (MRV-A 120 x 80 mm, MRV-B 105 x 74 mm).
Where the transcriptions we could consult give no figure (line spacing of the two-line formats,
exact vertical line positions) we use 4.23 mm (6 lines per inch) and place the lines inside the
17.0 mm effective reading zone; the zone above the lines is kept free of printing except background.
Portrait boxes follow Zone V (left edge, at most 35 x 45 mm) of the nominal layouts.
"""

from __future__ import annotations

from dataclasses import dataclass

PITCH_MM = 2.54


@dataclass(frozen=True)
class FormatLayout:
    width: float
    height: float
    mrz_left: float          # x of the first character cell's left edge
    mrz_line_centres: tuple[float, ...]  # y of each line's centre, top line first
    mrz_zone_height: float
    portrait: tuple[float, float, float, float] | None  # x, y, w, h on the MRZ side; None: not on that side
    header_height: float

    @property
    def mrz_zone_top(self) -> float:
        return self.height - self.mrz_zone_height


def _centres(height: float, bottom_centre: float, spacing: float, n: int) -> tuple[float, ...]:
    return tuple(height - bottom_centre - spacing * (n - 1 - i) for i in range(n))


LAYOUTS: dict[str, FormatLayout] = {
    "TD3": FormatLayout(125.0, 88.0, 6.0, _centres(88.0, 6.5, 4.23, 2), 23.2, (5.0, 19.0, 32.0, 42.0), 15.0),
    "TD2": FormatLayout(105.0, 74.0, 5.0, _centres(74.0, 6.5, 4.23, 2), 23.2, (4.0, 13.0, 26.0, 34.0), 11.0),
    "MRV-A": FormatLayout(120.0, 80.0, 4.0, _centres(80.0, 6.5, 4.23, 2), 23.2, (4.0, 15.0, 28.0, 37.0), 12.0),
    "MRV-B": FormatLayout(105.0, 74.0, 5.0, _centres(74.0, 6.5, 4.23, 2), 23.2, (4.0, 13.0, 26.0, 34.0), 11.0),
    # TD1: the MRZ is on the back; the portrait is on the front (rendered with side="front").
    "TD1": FormatLayout(85.60, 53.98, 5.0, _centres(53.98, 5.0, 4.0, 3), 23.3, None, 9.0),
}
TD1_FRONT_PORTRAIT = (3.0, 11.0, 25.0, 32.0)
