"""The bounds on what an article may hand to nh3 and to Qt's text layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what reaches Qt (and nh3). With the defaults, sanitizing plus laying out the
    worst hostile article tried stays under 100 ms on a slow desktop (measured by hand with
    ``READER_APP_MEASURE_LAYOUT=1`` and ``tests/gui/test_article_view.py``)."""

    layout_budget: float = 50_000.0  # estimated microseconds of layout (see ``Costs``)
    max_input_chars: int = 1_000_000  # before nh3; the rest is not even parsed
    max_input_tags: int = 12_000  # before nh3 (a few microseconds each, nh3 and this pass)
    prepass_depth: int = 256  # nh3 is quadratic in depth: start tags beyond are dropped
    max_output_chars: int = 512 * 1024  # HTML handed to Qt
    max_list_items: int = 500  # per list: Qt numbers list items in quadratic time
    max_span: int = 50  # colspan / rowspan
    max_table_depth: int = 3  # deeper tables are flattened into plain blocks
    max_depth: int = 24  # elements nested deeper keep their text but lose their tags
    max_images: int = 100  # shown images; further ones become placeholders
    max_word: int = 200  # longer runs of non-space characters get break opportunities
    word_chunk: int = 100  # ... every this many characters


DEFAULT_LIMITS: Final = Limits()
