"""Article HTML to the words the search index stores: pure, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_app.storage.search_text import (
    MAX_HTML_CHARS,
    MAX_TEXT_CHARS,
    clean_text,
    index_text,
)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One Two"),
        ("<ul><li>apple</li><li>pear</li></ul>", "apple pear"),
        ("a<br>b<br/>c<hr>d", "a b c d"),
        ("<table><tr><td>cell</td><td>next</td></tr></table>", "cell next"),
        # Tags inside a line of text do not split words.
        (
            "<b>W</b>ord <i>it</i>alic <a href='x'>li</a>nk sp<span>an</span>",
            "Word italic link span",
        ),
        ("super<wbr>cali", "supercali"),
        # Entities, in markup and in plain text.
        ("<p>Q&amp;A &lt;b&gt; caf&eacute; &#8217;</p>", "Q&A <b> café \u2019"),
        ("Q&amp;A without tags", "Q&A without tags"),
        # What the article pane never shows is not indexed.
        ("<p>seen</p><script>var hidden = 1;</script><style>p{}</style>", "seen"),
        ("<noscript>enable js</noscript><template><p>t</p></template>ok", "ok"),
        ("<svg><text>drawn</text></svg><svg/>after", "after"),
        ("<!-- a comment -->text<!DOCTYPE html>", "text"),
        # Whitespace and control characters collapse to single spaces.
        ("  lots\n\tof \r\n space  ", "lots of space"),
        ("mark\x02ers\x03 and\x00nul\x85", "mark ers and nul"),
        # Composed Unicode, as queries are.
        ("cafe\u0301", "caf\u00e9"),
        ("", ""),
        (None, ""),
    ],
)
def test_index_text(markup: str | None, text: str) -> None:
    assert index_text(markup) == text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        # Read as a browser reads them: a broken declaration is a comment up to its ">".
        ("<![if !supportLists]>x<![endif]> walrus", "x walrus"),
        ("a <!x[ b> walrus", "a walrus"),
        ("<![CDATA[raw]]> walrus", "walrus"),
        ("a <![ x", "a"),
        ("<!> walrus </> <<>>", "walrus <<>>"),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_broken_markup_is_read_as_a_browser_reads_it(markup: str, text: str) -> None:
    assert index_text(markup) == text


def test_unclosed_tags_keep_their_text() -> None:
    assert index_text("<p>one <b>two <i>three") == "one two three"


def test_bounds() -> None:
    long_text = "word " * (MAX_TEXT_CHARS // 2)
    assert len(index_text(f"<p>{long_text}</p>")) <= MAX_TEXT_CHARS
    beyond = "x" * MAX_HTML_CHARS + " needle"
    assert "needle" not in index_text(beyond)


def test_clean_text_for_titles() -> None:
    assert clean_text("  A\x02 title\n") == "A title"
    assert clean_text("<b>not markup</b>") == "<b>not markup</b>"  # titles are plain text
    assert clean_text(None) == ""


_PIECES = [*"<>/!-&;#x\"'= abc\n[]?", "<p>", "<![", "&amp;", "\x02", "<script>", "</"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_any_markup_gives_clean_text(markup: str) -> None:
    text = index_text(markup)
    assert not any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in text)
    assert text == text.strip()
    assert "  " not in text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_clean_text(markup: str) -> None:
    text = index_text(markup)
    assert not any(ch < " " for ch in text)
