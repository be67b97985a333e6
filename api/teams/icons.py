"""The Teams app's two icons, drawn here and written as PNG with the standard library, so the
package needs no image files in the repository and no imaging library.

Teams wants a 192x192 full-colour icon and a 32x32 outline icon that is white on a
transparent background.  Both show a clipboard with a tick: a checklist, done.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

RGBA = tuple[int, int, int, int]
ACCENT = (0x1F, 0x6F, 0x8B, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[float, float], RGBA]) -> bytes:
    """An RGBA PNG; `pixel(x, y)` gets coordinates scaled to 0..1 (pixel centres)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel((x + 0.5) / width, (y + 0.5) / height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5


def _mark(x: float, y: float, stroke: float) -> bool:
    """The clipboard's outline, its clip, and the tick, in a unit square."""
    left, right, top, bottom = 0.24, 0.76, 0.2, 0.84
    inside = left <= x <= right and top <= y <= bottom
    border = inside and not (
        left + stroke <= x <= right - stroke and top + stroke <= y <= bottom - stroke
    )
    clip = 0.38 <= x <= 0.62 and 0.13 <= y <= 0.27
    tick = (
        _near_segment(x, y, (0.34, 0.54), (0.46, 0.67)) <= stroke / 2
        or _near_segment(x, y, (0.46, 0.67), (0.67, 0.4)) <= stroke / 2
    )
    return border or clip or tick


def color_icon() -> bytes:
    """192x192: white mark on the accent colour, edge to edge."""
    return png(192, 192, lambda x, y: WHITE if _mark(x, y, 0.06) else ACCENT)


def outline_icon() -> bytes:
    """32x32: white mark on transparent, as Teams requires of outline icons."""
    return png(32, 32, lambda x, y: WHITE if _mark(x, y, 0.1) else CLEAR)
