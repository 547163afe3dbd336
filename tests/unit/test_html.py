"""The article sanitizer: what hostile HTML may do, and what it may cost Qt to lay out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_app.html import (
    DEFAULT_LIMITS,
    TRUNCATED_NOTE,
    ZWSP,
    Limits,
    absolute_url,
    break_long_words,
    plain_text,
    sanitize_article,
)

BASE = "https://blog.example/posts/7"
VOID = {"br", "hr", "img", "wbr"}


@dataclass
class Shape:
    """What an HTML string is made of, as a browser would parse it."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    max_depth: int = 0
    max_table_depth: int = 0
    unclosed: list[str] = field(default_factory=list)
    text: str = ""

    def attrs(self, name: str) -> list[str]:
        return [a for _, attrs in self.tags for a in attrs if a == name]

    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}


def shape(html: str) -> Shape:
    found = Shape()
    stack: list[str] = []
    texts: list[str] = []

    class Walker(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.tags.append((tag, dict(attrs)))
            if tag in VOID:
                return
            stack.append(tag)
            found.max_depth = max(found.max_depth, len(stack))
            found.max_table_depth = max(found.max_table_depth, stack.count("table"))

        def handle_endtag(self, tag: str) -> None:
            assert stack, f"</{tag}> without a start tag"
            assert stack[-1] == tag, f"</{tag}> closes <{stack[-1]}>"
            stack.pop()

        def handle_data(self, data: str) -> None:
            texts.append(data)

    walker = Walker(convert_charrefs=True)
    walker.feed(html)
    walker.close()
    found.unclosed = stack
    found.text = "".join(texts)
    return found


def clean(html: str, *, allow_images: bool = False, base_url: str | None = BASE, **limits):
    return sanitize_article(
        html, base_url=base_url, allow_images=allow_images, limits=Limits(**limits)
    )


def longest_unbreakable_run(text: str) -> int:
    return max((len(run) for run in re.split(rf"[\s{ZWSP}]+", text)), default=0)


# --- what it may do ---------------------------------------------------------------------------


def test_scripts_and_styles_go_with_their_content() -> None:
    result = clean(
        "<p>before<script>alert('x')</script><style>p{color:red}</style>"
        "<noscript><img src=x onerror=alert(1)></noscript>after</p>"
    )
    assert result.html == "<p>beforeafter</p>"


@pytest.mark.parametrize(
    "html",
    [
        '<p onclick="steal()">x</p>',
        '<img src="https://i.example/a.png" onerror="steal()" onload="steal()">',
        '<a href="https://x.example/" onmouseover="steal()">x</a>',
        '<div ONCLICK="steal()">x</div>',
    ],
)
def test_event_handlers_are_removed(html: str) -> None:
    for allow in (False, True):
        result = clean(html, allow_images=allow)
        assert "steal" not in result.html
        assert not [a for a in shape(result.html).attrs("onclick") if a]
        assert not re.search(r"\son\w+=", result.html, re.IGNORECASE)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java&#x09;script:alert(1)",
        " \njavascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "qrc:/icons/x.png",
        "ftp://files.example/x",
        "about:blank",
    ],
)
def test_only_http_https_and_mailto_links_survive(href: str) -> None:
    result = clean(f'<a href="{href}">link</a>')
    assert shape(result.html).attrs("href") == []
    assert "link" in result.html  # the text stays


def test_allowed_links_are_kept_and_relative_ones_resolved() -> None:
    result = clean(
        '<a href="https://a.example/x?y=1&amp;z=2">a</a> <a href="http://b.example/">b</a> '
        '<a href="mailto:ann@example.org">m</a> <a href="../about">r</a> '
        '<a href="//cdn.example/p">p</a> <a href="#note">n</a>'
    )
    hrefs = [attrs["href"] for tag, attrs in shape(result.html).tags if tag == "a"]
    assert hrefs == [
        "https://a.example/x?y=1&z=2",
        "http://b.example/",
        "mailto:ann@example.org",
        "https://blog.example/about",
        "https://cdn.example/p",
        "https://blog.example/posts/7#note",
    ]


def test_relative_links_are_dropped_without_a_base() -> None:
    result = clean('<a href="../about">r</a><img src="pic.png">', base_url=None, allow_images=True)
    assert shape(result.html).attrs("href") == []
    assert "<img" not in result.html
    assert result.image_urls == ()


@pytest.mark.parametrize(
    "html",
    [
        '<iframe src="https://evil.example/"></iframe>',
        '<object data="https://evil.example/x.swf">fallback</object>',
        '<embed src="https://evil.example/x.swf">',
        '<form action="https://evil.example/"><input name="q"><button>Go</button></form>',
        '<svg><a href="https://evil.example/">svg</a></svg>',
        "<math><mi>x</mi></math>",
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<base href="file:///">',
        '<template><img src="https://evil.example/t.png"></template>',
    ],
)
def test_active_content_is_removed(html: str) -> None:
    result = clean(html, allow_images=True)
    tags = shape(result.html).tag_names()
    forbidden = {"iframe", "object", "embed", "form", "input", "button", "svg", "math"}
    assert not tags & (forbidden | {"link", "meta", "base", "template", "img"})
    assert "evil.example" not in result.html


def test_local_resources_in_any_form_are_removed() -> None:
    """Qt reads files named in src, background= and CSS url(): none of them may survive."""
    html = (
        '<img src="/home/user/.ssh/id_rsa.png"><img src="file:///etc/passwd">'
        '<img src="relative/pic.png"><img src="/dev/zero"><img src="qrc:/x.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<table background="/tmp/bg.png"><tr><td background="file:///tmp/c.png">c</td></tr></table>'
        '<div style="background: url(/tmp/d.png); font-weight: bold">d</div>'
        "<p style=\"background-image:url('file:///tmp/e.png')\">e</p>"
        '<body background="/tmp/f.png">f</body>'
    )
    for allow in (False, True):
        result = clean(html, base_url=None, allow_images=allow)
        assert "/tmp/" not in result.html
        assert "file:" not in result.html
        assert "/dev/zero" not in result.html
        assert "url(" not in result.html
        assert "background" not in result.html
        assert "<img" not in result.html
        assert result.image_urls == ()


def test_style_attributes_keep_only_typography() -> None:
    result = clean(
        '<span style="color: red; font-weight: bold; position: fixed; font-style: italic">x</span>'
        '<p style="text-align: center; font-size: 900px">y</p>'
    )
    styles = [attrs.get("style") for _, attrs in shape(result.html).tags]
    assert styles == ["font-weight:bold;font-style:italic", "text-align:center"]


def test_title_attributes_are_dropped_because_qt_shows_them_as_rich_text_tooltips() -> None:
    result = clean(
        '<p title="<img src=/dev/zero>">x</p><a href="https://a.example/" title="t">a</a>'
    )
    assert shape(result.html).attrs("title") == []


def test_spans_are_bounded() -> None:
    result = clean(
        '<table><tr><td colspan="100000" rowspan="7">x</td><td colspan="3">y</td></tr></table>'
    )
    cells = [attrs for tag, attrs in shape(result.html).tags if tag == "td"]
    assert cells == [{"rowspan": "7"}, {"colspan": "3"}]


def test_tags_qt_does_not_know_become_ones_it_does() -> None:
    result = clean("<article><figure>f<figcaption>c</figcaption></figure><mark>m</mark></article>")
    assert result.html == "<div><div>f<div>c</div></div><span>m</span></div>"


# --- images -----------------------------------------------------------------------------------


def test_blocked_images_become_counted_placeholders() -> None:
    result = clean(
        '<p><img src="/a.png" alt="A chart"><img src="https://cdn.example/b.png">'
        '<img src="/a.png" alt="again"><img src="file:///c.png" alt="local"></p>'
    )
    assert "<img" not in result.html
    assert result.blocked_images == 3
    assert result.image_urls == ("https://blog.example/a.png", "https://cdn.example/b.png")
    assert shape(result.html).text == "[A chart][image][again][local]"


def test_allowed_images_keep_their_absolute_http_source() -> None:
    result = clean(
        '<img src="/a.png" width="99999" height="1"><img src="http://cdn.example/b.png">',
        allow_images=True,
    )
    assert [attrs for tag, attrs in shape(result.html).tags if tag == "img"] == [
        {"src": "https://blog.example/a.png"},
        {"src": "http://cdn.example/b.png"},
    ]
    assert result.blocked_images == 0


def test_too_many_images_become_placeholders() -> None:
    html = "".join(f'<img src="https://cdn.example/{i}.png">' for i in range(8))
    result = clean(html, allow_images=True, max_images=5)
    assert result.html.count("<img") == 5
    assert result.html.count("[image]") == 3
    assert len(result.image_urls) == 8


# --- what it may cost -------------------------------------------------------------------------


def test_eighteen_nested_tables_are_flattened() -> None:
    html = "<table><tr><td>" * 18 + "deep" + "</td></tr></table>" * 18
    result = clean(html)
    found = shape(result.html)
    assert found.max_table_depth == DEFAULT_LIMITS.max_table_depth
    assert found.max_depth <= DEFAULT_LIMITS.max_depth
    assert "deep" in found.text
    assert found.unclosed == []


def test_table_content_costs_double_per_level() -> None:
    """The same text fits at the top level but not inside three tables (8x the layout)."""
    text = "word " * 4_000  # 20,000 characters: 10,000 of budget at the top level
    assert not clean(f"<p>{text}</p>", layout_budget=20_000).truncated
    nested = "<table><tr><td>" * 3 + text + "</td></tr></table>" * 3
    assert clean(nested, layout_budget=20_000).truncated


def test_element_depth_is_bounded_and_the_text_kept() -> None:
    result = clean("<div><span><b><i>" * 500 + "core" + "</i></b></span></div>" * 500)
    found = shape(result.html)
    assert found.max_depth <= DEFAULT_LIMITS.max_depth
    assert found.text.strip() == "core"
    assert found.unclosed == []


def test_a_giant_word_gets_break_opportunities() -> None:
    result = clean("<p>" + "a" * 100_000 + "</p>")
    text = shape(result.html).text
    assert longest_unbreakable_run(text) <= DEFAULT_LIMITS.max_word
    assert text.replace(ZWSP, "").count("a") >= 90_000


def test_a_giant_word_built_from_many_tags_gets_break_opportunities() -> None:
    result = clean("<p>" + "<b>ab</b>" * 2_000 + "</p>")
    assert longest_unbreakable_run(shape(result.html).text) <= DEFAULT_LIMITS.max_word


def test_ordinary_long_words_are_left_alone() -> None:
    url = "https://example.org/" + "x" * 150
    assert clean(f"<p>{url} end</p>").html == f"<p>{url} end</p>"


def test_output_size_is_capped_with_a_note() -> None:
    paragraph = "<p>" + "Lorem ipsum dolor sit amet. " * 40 + "</p>"
    result = clean(paragraph * 2_000)  # 2.2 MB
    assert result.truncated
    assert len(result.html) <= DEFAULT_LIMITS.max_output_chars + 200
    assert result.html.endswith(f'<p class="truncated">{TRUNCATED_NOTE}</p>')
    assert shape(result.html).unclosed == []


def test_truncation_closes_open_elements() -> None:
    html = "<div><ul>" + "<li><b>item</b> text</li>" * 500 + "</ul></div>"
    result = clean(html, layout_budget=2_000)
    assert result.truncated
    found = shape(result.html)
    assert found.unclosed == []
    assert found.tags[0][0] == "div"


def test_a_long_list_is_cut() -> None:
    result = clean("<ul>" + "<li>x</li>" * 5_000 + "</ul>")
    assert result.truncated
    assert result.html.count("<li>") <= DEFAULT_LIMITS.max_list_items


def test_deep_nesting_is_cut_before_nh3() -> None:
    """30,000 nested divs take nh3 seconds; the pre-pass keeps them from reaching it (the
    tags it drops still count against the tag limit, so the text after them is cut too)."""
    result = clean("<div>" * 30_000 + "x" + "</div>" * 30_000)
    found = shape(result.html)
    assert result.truncated
    assert found.max_depth <= DEFAULT_LIMITS.max_depth
    assert found.unclosed == []


def test_a_tag_flood_is_cut() -> None:
    result = clean("x<br>" * 100_000)
    assert result.truncated
    assert result.html.count("<br>") <= DEFAULT_LIMITS.max_input_tags


def test_the_layout_budget_holds_whatever_the_mix() -> None:
    html = (
        "<table><tr><td>" * 10
        + "a" * 20_000
        + "</td></tr></table>" * 10
        + "<table>" + "<tr><td>c</td><td>d</td></tr>" * 300 + "</table>"
        + ("<ul>" + "<li>y</li>" * 490 + "</ul>") * 6
        + "<p>" + "words and more words " * 5_000 + "</p>"
    )  # fmt: skip
    result = clean(html, allow_images=True)
    assert result.truncated
    found = shape(result.html)
    cells = sum(1 for tag, _ in found.tags if tag in ("td", "th"))
    blocks = sum(1 for tag, _ in found.tags if tag in ("p", "li", "tr", "div", "br"))
    assert cells * 55 + blocks * 12 + len(found.text) * 0.5 <= DEFAULT_LIMITS.layout_budget


# --- plain text and odd input -----------------------------------------------------------------


def test_plain_text_is_escaped_and_keeps_its_paragraphs() -> None:
    result = clean("First line\nsecond a < b & c > d\n\n\nNext paragraph\r\n")
    assert result.html == (
        "<p>First line<br>second a &lt; b &amp; c &gt; d</p><p>Next paragraph</p>"
    )


def test_plain_text_entities_are_decoded_once() -> None:
    assert clean("Q&amp;A with &lt;Ann&gt;").html == "<p>Q&amp;A with &lt;Ann&gt;</p>"


@pytest.mark.parametrize("html", [None, "", "   \n  "])
def test_empty_bodies(html: str | None) -> None:
    result = sanitize_article(html, base_url=BASE, allow_images=False)
    assert result.html == ""
    assert result.image_urls == ()
    assert not result.truncated


def test_plain_text_preview() -> None:
    html = "<h1>Title</h1><p>Hello&nbsp;<b>world</b> &amp; co</p><script>x()</script>"
    assert plain_text(html) == "Title Hello world & co"
    assert plain_text("word " * 100, max_chars=20) == "word word word word…"
    assert plain_text(None) == ""


def test_break_long_words_for_labels() -> None:
    broken = break_long_words("short " + "x" * 95, max_word=40, chunk=30)
    assert broken.startswith("short ")
    assert longest_unbreakable_run(broken) == 30


def test_absolute_url_refuses_what_is_not_a_web_address() -> None:
    schemes = frozenset({"http", "https"})
    assert absolute_url("//[::1", BASE, schemes) is None
    assert absolute_url("http://", None, schemes) is None
    assert absolute_url("\x00javascript:x", BASE, schemes) is None
    assert absolute_url("x.png", BASE, schemes) == "https://blog.example/posts/x.png"


HTMLISH = st.lists(
    st.sampled_from(
        [*"<>/=\"' &;#:abcdeijlmnoprstuvx\n",
         "<a href=", "<img src=", "javascript:", "file:", "<table>", "<td>", "<script>",
         "onerror=", "style=", "url(", "&#x", "<div>", "</div>", "<!--", "-->", "http://h/"]
    ),
    max_size=120,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(HTMLISH, st.booleans())
def test_nothing_dangerous_survives_random_markup(html: str, allow: bool) -> None:
    result = sanitize_article(html, base_url=BASE, allow_images=allow)
    found = shape(result.html)
    assert found.unclosed == []
    for tag, attrs in found.tags:
        assert tag not in ("script", "style", "iframe", "object", "embed", "form")
        for name, value in attrs.items():
            assert not name.startswith("on")
            if name in ("href", "src"):
                assert value is not None
                assert value.startswith(("http://", "https://", "mailto:"))
