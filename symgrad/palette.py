"""Colours shared by every figure writer (matplotlib figures and TikZ), with no drawing library.

Examples
--------
>>> PALETTE[0], path_colour(len(PALETTE))
('#E69F00', '#E69F00')
"""

from __future__ import annotations

__all__ = ["PALETTE", "path_colour"]

#: Okabe & Ito's colour-blind-safe palette, one colour per highlighted path.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#999999")


def path_colour(index: int) -> str:
    """Colour of the path with this index in the listing (``PALETTE[index]``, cycling)."""
    return PALETTE[index % len(PALETTE)]
