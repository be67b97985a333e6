"""Normalising a message before it is read: one case, one set of look-alike characters.

Offsets into the normalised text are what every other reading module works with, so the
normalisation keeps one character per character where it can (the translations below are
one-to-one except the superscripts and the comparison signs, which come first).
"""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 2000  # longer messages are read on their first 2,000 characters only

_TRANSLATE = str.maketrans(
    {
        "×": "x",
        "µ": "u",
        "μ": "u",
        "⁹": "^9",
        "³": "^3",
        "−": "-",
        "–": "-",
        "—": "-",
        "≥": ">=",
        "≤": "<=",
        "’": "'",
        "‘": "'",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Lower-case, unify look-alike characters, collapse spaces."""
    text = unicodedata.normalize("NFKC", str(text)[:MAX_TEXT].translate(_TRANSLATE))
    return re.sub(r"\s+", " ", text.lower()).strip()
