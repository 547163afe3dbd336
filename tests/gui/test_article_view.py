"""The article pane against Qt's rich-text hazards: local files, /dev/zero, links, remote
images, layout cost. Real widgets, real clicks, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageWriter,
    QPalette,
    QTextCursor,
    QTextDocument,
    QTextFrame,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from reader_app.domain import Entry, EntryId, Feed, FeedId
from reader_app.html import DEFAULT_LIMITS, ZWSP, sanitize_article
from reader_app.ingest.assets import AssetCache
from reader_app.ui import theme
from reader_app.ui.images import RemoteImages
from reader_app.ui.tasks import Tasks
from reader_app.ui.widgets.article_browser import ArticleBrowser
from reader_app.ui.widgets.article_view import ArticleView
from tests.support.feedserver import FeedServer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GREEN = QColor(0, 255, 0)
IMAGE = QTextDocument.ResourceType.ImageResource


def png(width: int, height: int, colour: QColor) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(colour)
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QImageWriter(buffer, QByteArray(b"png")).write(image)
    return bytes(array.data())


def make_feed(feed_id: int = 3, *, tags: tuple[str, ...] = ("Tech",)) -> Feed:
    return Feed(
        id=FeedId(feed_id),
        url="https://blog.example/feed",
        title="Example Blog",
        user_title=None,
        site_url="https://blog.example/",
        tags=tags,
        added_at=NOW,
    )


def make_entry(
    content: str | None,
    *,
    entry_id: int = 7,
    title: str | None = "An article",
    link: str | None = "https://blog.example/posts/7",
    author: str | None = "Ann Author",
) -> Entry:
    return Entry(
        id=EntryId(entry_id),
        feed_id=FeedId(3),
        feed_title="Example Blog",
        key=f"k{entry_id}",
        title=title,
        link=link,
        author=author,
        summary=None,
        content=content,
        published=NOW,
        updated=None,
        first_seen=NOW,
        sort_at=NOW,
        read=False,
        read_at=None,
        starred=False,
    )


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    found = Tasks()
    yield found
    found.shutdown()


@pytest.fixture
def assets(tmp_path: Path) -> Iterator[AssetCache]:
    cache = AssetCache(tmp_path / "image-cache")
    yield cache
    cache.close()


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def view(qtbot: QtBot, assets: AssetCache, tasks: Tasks, opened: list[QUrl]) -> ArticleView:
    pane = ArticleView(assets=assets, tasks=tasks, open_url=opened.append)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def shows_colour(widget_image: QImage, colour: QColor) -> bool:
    """Whether any pixel of the picture is exactly ``colour``."""
    image = widget_image.convertToFormat(QImage.Format.Format_RGB32)
    wanted = colour.rgb()
    step = 2  # the test pictures are far larger than two pixels
    return any(
        image.pixel(x, y) == wanted
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
    )


class RecordingBrowser(ArticleBrowser):
    """The real browser, noting every resource Qt asks for and what it got."""

    def __init__(self, images: RemoteImages) -> None:
        super().__init__(images)
        self.requests: list[tuple[int, str, object]] = []

    def loadResource(self, type: int, name: QUrl | str) -> object:
        answer = super().loadResource(type, name)
        self.requests.append((type, QUrl(name).toString(), answer))
        return answer


# --- (1) nothing from the local disk ---------------------------------------------------------


def hostile_local_html(picture: Path) -> str:
    return (
        f'<p>absolute <img src="{picture}"></p>'
        f'<p>file url <img src="{QUrl.fromLocalFile(str(picture)).toString()}"></p>'
        f'<p>relative <img src="{picture.name}"></p>'
        f'<table background="{picture.name}"><tr><td style="background-image: url({picture})">'
        "cell</td></tr></table>"
        f'<div style="background: url({picture.name})">div</div>'
        f'<p style="background-image: url(file://{picture})">p</p>'
    )


@pytest.fixture
def local_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real, bright green PNG, and the working directory where it lies."""
    picture = tmp_path / "secret.png"
    picture.write_bytes(png(120, 90, GREEN))
    monkeypatch.chdir(tmp_path)
    return picture


def test_a_plain_text_browser_would_read_the_local_picture(
    qtbot: QtBot, local_picture: Path
) -> None:
    """The control: without the pane's guard, Qt shows the file. The tests below can fail."""
    plain = QTextBrowser()
    qtbot.addWidget(plain)
    plain.resize(600, 500)
    plain.setHtml(hostile_local_html(local_picture))
    plain.show()
    qtbot.waitExposed(plain)
    assert shows_colour(plain.viewport().grab().toImage(), GREEN)


@pytest.mark.parametrize("allow_remote", [False, True])
def test_no_resource_comes_from_the_local_disk(
    qtbot: QtBot, assets: AssetCache, tasks: Tasks, local_picture: Path, allow_remote: bool
) -> None:
    browser = RecordingBrowser(RemoteImages(assets, tasks))
    qtbot.addWidget(browser)
    browser.allow_remote_images = allow_remote
    browser.resize(600, 500)
    browser.setHtml(hostile_local_html(local_picture))  # raw: the sanitizer is not in the way
    browser.show()
    qtbot.waitExposed(browser)
    browser.document().size()

    asked = {name for _, name, _ in browser.requests}
    assert str(local_picture) in asked  # Qt did ask; the answer came from the override
    assert local_picture.name in asked
    for _, name, answer in browser.requests:
        assert isinstance(answer, QImage), name  # never None: that makes Qt read the file
        assert answer.isNull(), name
    document = browser.document()
    for name in asked:
        found = document.resource(IMAGE, QUrl(name))
        assert isinstance(found, QImage)
        assert found.isNull()
    assert not shows_colour(browser.viewport().grab().toImage(), GREEN)


def test_the_pane_shows_no_local_picture_through_show_entry(
    view: ArticleView, local_picture: Path
) -> None:
    # No base address: a path cannot even become a web address on the article's site.
    entry = make_entry(hostile_local_html(local_picture), link=None)
    for allow in (False, True):
        view.show_entry(entry, None, allow_images=allow)
        view.browser.document().size()
        assert view.sanitized is not None
        assert "<img" not in view.sanitized.html
        assert not shows_colour(view.grab().toImage(), GREEN)
        view.clear()


# --- (2) /dev/zero ------------------------------------------------------------------------------

DEV_ZERO_SCRIPT = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path
    from datetime import UTC, datetime
    from PySide6.QtWidgets import QApplication
    from reader_app.domain import Entry, EntryId, FeedId
    from reader_app.ingest.assets import AssetCache
    from reader_app.ui.tasks import Tasks
    from reader_app.ui.widgets.article_view import ArticleView

    app = QApplication(sys.argv)
    tasks = Tasks()
    assets = AssetCache(Path(tempfile.mkdtemp()) / "images")
    view = ArticleView(assets=assets, tasks=tasks, open_url=lambda url: None)
    view.resize(600, 400)
    view.show()
    hostile = (
        '<img src="/dev/zero"><img src="file:///dev/zero">'
        '<p style="background-image: url(/dev/zero)">x</p><table background="/dev/zero">'
        '<tr><td>y</td></tr></table>'
    )
    view.browser.allow_remote_images = True
    view.browser.setHtml(hostile)  # raw, past the sanitizer
    view.browser.document().size()
    view.grab()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    entry = Entry(EntryId(1), FeedId(1), "F", "k", "t", None, None, None, hostile, now, None,
                  now, now, False, None, False)
    view.show_entry(entry, None, allow_images=True)
    view.grab()
    app.processEvents()
    print("survived")
    tasks.shutdown()
    assets.close()
    """
)


def _limit_memory() -> None:
    # Should the guard ever break, Qt reads /dev/zero until memory runs out: keep that from
    # hurting the machine, and let it end as a failed child instead.
    limit = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_dev_zero_does_not_abort() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", DEV_ZERO_SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout


# --- (3) links --------------------------------------------------------------------------------


def anchor_point(browser: QTextBrowser, href: str) -> QPoint:
    """The middle of the first character of the link to ``href``, in viewport coordinates."""
    document = browser.document()
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position())
                left = browser.cursorRect(cursor)
                cursor.setPosition(fragment.position() + 1)
                right = browser.cursorRect(cursor)
                return QPoint((left.x() + right.x()) // 2, left.center().y())
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


HOSTILE_LINKS = ("javascript:alert(1)", "data:text/html,<b>owned</b>", "file:///etc/passwd")


@pytest.mark.parametrize("href", HOSTILE_LINKS)
def test_clicking_a_hostile_link_does_nothing(
    qtbot: QtBot, view: ArticleView, opened: list[QUrl], href: str
) -> None:
    assert not view.browser.openLinks()
    assert not view.browser.openExternalLinks()
    view.browser.setHtml(f'<p>Click <a href="{href}">this link</a> please.</p>')  # raw
    before = view.browser.toHtml()
    point = anchor_point(view.browser, href)
    with qtbot.waitSignal(view.browser.anchorClicked, timeout=2000) as clicked:
        QTest.mouseClick(view.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args is not None
    assert clicked.args[0].toString().startswith(href.split(":", maxsplit=1)[0])  # the click landed
    qtbot.wait(50)
    assert opened == []
    assert view.browser.toHtml() == before
    assert view.browser.source().isEmpty()


@pytest.mark.parametrize("href", ["https://example.org/read?x=1", "mailto:ann@example.org"])
def test_clicking_a_web_or_mail_link_hands_it_to_the_system(
    qtbot: QtBot, view: ArticleView, opened: list[QUrl], href: str
) -> None:
    view.show_entry(make_entry(f'<p>Go <a href="{href}">there</a>.</p>'), None, allow_images=False)
    before = view.browser.toHtml()
    QTest.mouseClick(
        view.browser.viewport(), Qt.MouseButton.LeftButton, pos=anchor_point(view.browser, href)
    )
    qtbot.waitUntil(lambda: len(opened) == 1)
    assert opened[0] == QUrl(href)
    assert view.browser.toHtml() == before


def test_hostile_links_never_reach_the_document_through_show_entry(view: ArticleView) -> None:
    links = "".join(f'<a href="{href}">x</a>' for href in HOSTILE_LINKS)
    view.show_entry(make_entry(f"<p>{links}</p>"), None, allow_images=False)
    hrefs = re.findall(r'href="([^"]*)"', view.browser.toHtml())
    assert hrefs == []


def test_hovering_a_link_reports_it(qtbot: QtBot, view: ArticleView) -> None:
    href = "https://example.org/hover"
    view.show_entry(
        make_entry(f'<p>Point at <a href="{href}">this</a>.</p>'), None, allow_images=False
    )
    with qtbot.waitSignal(view.link_hovered, timeout=2000) as hovered:
        QTest.mouseMove(view.browser.viewport(), anchor_point(view.browser, href))
    assert hovered.args == [href]


def test_the_title_opens_the_article(qtbot: QtBot, view: ArticleView, opened: list[QUrl]) -> None:
    view.show_entry(make_entry("<p>x</p>"), make_feed(), allow_images=False)
    label = view.title_label
    QTest.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(8, label.height() // 2))
    qtbot.waitUntil(lambda: opened == [QUrl("https://blog.example/posts/7")])


def test_a_title_is_text_never_markup(view: ArticleView) -> None:
    title = '<img src="/dev/zero"> & <b>bold</b>'
    view.show_entry(make_entry("<p>x</p>", title=title), None, allow_images=False)
    assert "<img" not in view.title_label.text()
    assert "&lt;img" in view.title_label.text()
    view.show_entry(
        make_entry("<p>x</p>", title=title, link="javascript:alert(1)"), None, allow_images=False
    )
    assert view.title_label.textFormat() == Qt.TextFormat.PlainText
    assert view.title_label.text() == title


# --- (4) remote images ------------------------------------------------------------------------


@pytest.fixture
def pictures(feed_server: FeedServer) -> FeedServer:
    feed_server.route("/a.png", body=png(64, 48, QColor(255, 0, 255)), content_type="image/png")
    feed_server.route("/b.png", body=png(40, 30, QColor(0, 0, 255)), content_type="image/png")
    feed_server.route(
        "/svg", body=b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
    )
    return feed_server


def picture_article(server: FeedServer) -> Entry:
    content = (
        f'<p>One <img src="{server.url("/a.png")}" alt="magenta"> and the same again '
        f'<img src="{server.url("/a.png")}">, another <img src="/b.png">, '
        f'and a missing one <img src="/missing.png"></p>'
    )
    return make_entry(content, link=server.url("/posts/7"))


def image_resource(view: ArticleView, url: str) -> QImage:
    found = view.browser.document().resource(IMAGE, QUrl(url))
    return found if isinstance(found, QImage) else QImage()


def test_no_request_while_images_are_not_allowed(
    qtbot: QtBot, view: ArticleView, pictures: FeedServer
) -> None:
    view.show_entry(picture_article(pictures), make_feed(), allow_images=False)
    view.browser.document().size()
    qtbot.wait(300)  # time enough for any stray load
    assert pictures.requests == []
    assert view.image_bar.isVisible()
    assert "3 remote images" in view.image_bar_label.text()
    assert view.sanitized is not None
    assert view.sanitized.blocked_images == 4
    assert "[magenta]" in view.browser.toPlainText()


def test_load_images_fetches_each_picture_once_and_shows_it(
    qtbot: QtBot, view: ArticleView, pictures: FeedServer
) -> None:
    entry = picture_article(pictures)
    view.show_entry(entry, make_feed(), allow_images=False)
    with qtbot.waitSignal(view.load_images_requested, timeout=2000) as requested:
        qtbot.mouseClick(view.load_images_button, Qt.MouseButton.LeftButton)
    assert requested.args == [7]
    a_url, b_url = pictures.url("/a.png"), pictures.url("/b.png")
    qtbot.waitUntil(lambda: not image_resource(view, a_url).isNull(), timeout=5000)
    qtbot.waitUntil(lambda: not image_resource(view, b_url).isNull(), timeout=5000)
    qtbot.waitUntil(lambda: view.images.has_failed(pictures.url("/missing.png")), timeout=5000)
    assert image_resource(view, a_url).size().toTuple() == (64, 48)
    assert not view.image_bar.isVisible()
    qtbot.wait(100)  # the coalesced relayout
    assert shows_colour(view.browser.viewport().grab().toImage(), QColor(255, 0, 255))

    # The window shows the article again with images allowed; then another article with the
    # same picture, then this one again: nothing is fetched twice.
    view.show_entry(entry, make_feed(), allow_images=True)
    view.show_entry(make_entry(f'<img src="{a_url}">', entry_id=8), make_feed(), allow_images=True)
    view.show_entry(entry, make_feed(), allow_images=True)
    view.browser.document().size()
    qtbot.wait(200)
    assert len(pictures.requests_for("/a.png")) == 1
    assert len(pictures.requests_for("/b.png")) == 1
    assert len(pictures.requests_for("/missing.png")) == 1
    assert not image_resource(view, a_url).isNull()


def test_always_for_this_feed(qtbot: QtBot, view: ArticleView, pictures: FeedServer) -> None:
    view.show_entry(picture_article(pictures), make_feed(feed_id=42), allow_images=False)
    with qtbot.waitSignal(view.always_load_images_requested, timeout=2000) as requested:
        qtbot.mouseClick(view.always_button, Qt.MouseButton.LeftButton)
    assert requested.args == [42]
    qtbot.waitUntil(lambda: not image_resource(view, pictures.url("/b.png")).isNull(), timeout=5000)


def test_wide_pictures_are_fitted_to_the_column(
    qtbot: QtBot, view: ArticleView, feed_server: FeedServer
) -> None:
    feed_server.route(
        "/wide.png", body=png(1500, 300, QColor(255, 128, 0)), content_type="image/png"
    )
    url = feed_server.url("/wide.png")
    view.show_entry(make_entry(f'<p><img src="{url}"></p>'), None, allow_images=True)
    view.browser.document().size()
    qtbot.waitUntil(lambda: not image_resource(view, url).isNull(), timeout=5000)
    assert image_resource(view, url).width() <= view.browser.image_width()
    view.resize(500, 600)
    narrower = view.browser.image_width()
    qtbot.waitUntil(lambda: image_resource(view, url).width() <= narrower, timeout=2000)
    assert image_resource(view, url).height() == pytest.approx(narrower / 5, abs=2)
    assert view.browser.horizontalScrollBar().maximum() == 0


def test_marking_read_does_not_render_again(view: ArticleView) -> None:
    entry = make_entry("<p>text</p>")
    view.show_entry(entry, None, allow_images=False)
    view.browser.document().setModified(False)
    view.browser.document().setHtml("<p>sentinel</p>")  # what a second render would replace
    read = replace(entry, read=True, read_at=NOW, starred=True)
    view.show_entry(read, None, allow_images=False)
    assert view.browser.toPlainText() == "sentinel"
    view.show_entry(replace(read, content="<p>new text</p>"), None, allow_images=False)
    assert view.browser.toPlainText() == "new text"


def test_svg_is_refused(qtbot: QtBot, view: ArticleView, pictures: FeedServer) -> None:
    """SVG can name local files; the pane only decodes plain raster formats."""
    url = pictures.url("/svg")
    view.show_entry(make_entry(f'<img src="{url}">'), None, allow_images=True)
    view.browser.document().size()
    qtbot.waitUntil(lambda: view.images.has_failed(url), timeout=5000)
    assert image_resource(view, url).isNull()


def test_the_image_bar_is_hidden_without_remote_images(view: ArticleView) -> None:
    view.show_entry(make_entry("<p>No pictures here.</p>"), make_feed(), allow_images=False)
    assert not view.image_bar.isVisible()
    view.show_entry(make_entry('<img src="https://i.example/x.png">'), None, allow_images=False)
    assert view.image_bar.isVisible()
    assert view.image_bar_label.text() == "This article has 1 remote image."
    assert not view.always_button.isEnabled()  # no feed to remember it for


# --- (5) layout bounds ------------------------------------------------------------------------


def table_depth(frame: QTextFrame) -> int:
    children = frame.childFrames()
    return (1 if frame.parentFrame() is not None else 0) + max(
        map(table_depth, children), default=0
    )


def test_eighteen_nested_tables_are_laid_out_flattened(view: ArticleView) -> None:
    html = "<table><tr><td>" * 18 + "deep" + "</td></tr></table>" * 18
    view.show_entry(make_entry(html), None, allow_images=False)
    document = view.browser.document()
    document.size()
    assert table_depth(document.rootFrame()) == DEFAULT_LIMITS.max_table_depth
    assert "deep" in view.browser.toPlainText()


def test_a_giant_word_is_laid_out_with_break_opportunities(view: ArticleView) -> None:
    view.show_entry(make_entry("<p>" + "x" * 100_000 + "</p>"), None, allow_images=False)
    text = view.browser.toPlainText()
    runs = [len(run) for run in re.split(rf"[\s{ZWSP}]+", text)]
    assert max(runs) <= DEFAULT_LIMITS.max_word
    assert text.count("x") >= 90_000
    view.browser.document().size()
    bar = view.browser.horizontalScrollBar()
    assert bar.maximum() == 0  # it wraps instead of running off to the side


# --- the rest of the pane ---------------------------------------------------------------------


def test_header_shows_title_feed_author_date_and_tags(view: ArticleView) -> None:
    view.show_entry(
        make_entry("<p>x</p>"), make_feed(tags=("News", "Tech/Linux")), allow_images=False
    )
    assert "An article" in view.title_label.text()
    meta = view.meta_label.text()
    assert "Example Blog" in meta
    assert "by Ann Author" in meta
    assert str(NOW.astimezone().year) in meta
    assert f"{NOW.astimezone():%H:%M}" in meta  # local time
    assert view.tags_label.text() == "Tags: News, Tech/Linux"
    assert view.current_entry_id == 7


def test_clear_empties_the_pane(view: ArticleView) -> None:
    view.show_entry(make_entry("<p>words</p>"), make_feed(), allow_images=False)
    view.clear()
    assert view.current_entry_id is None
    assert view.browser.toPlainText() == ""
    assert not view.header.isVisible()


def test_an_empty_article_says_so(view: ArticleView) -> None:
    view.show_entry(make_entry(None), make_feed(), allow_images=False)
    assert "no text" in view.browser.toPlainText()


def test_scroll_page_moves_until_the_end(view: ArticleView) -> None:
    paragraphs = "".join(f"<p>Paragraph {i} with a few words.</p>" for i in range(120))
    view.show_entry(make_entry(paragraphs), None, allow_images=False)
    bar = view.browser.verticalScrollBar()
    assert bar.maximum() > 0
    assert view.scroll_page(down=False) is False  # already at the top
    steps = 0
    while view.scroll_page(down=True):
        steps += 1
        assert steps < 200
    assert bar.value() == bar.maximum()
    assert steps >= 2
    assert view.scroll_page(down=True) is False
    assert view.scroll_page(down=False) is True
    assert bar.value() < bar.maximum()


def test_showing_the_same_article_again_keeps_the_place(view: ArticleView) -> None:
    paragraphs = "".join(f"<p>Paragraph {i}.</p>" for i in range(200))
    entry = make_entry(paragraphs)
    view.show_entry(entry, None, allow_images=False)
    view.scroll_page(down=True)
    place = view.browser.verticalScrollBar().value()
    assert place > 0
    view.show_entry(entry, None, allow_images=False)
    assert view.browser.verticalScrollBar().value() == place
    changed = make_entry(paragraphs + "<p>An update.</p>")
    view.show_entry(changed, None, allow_images=False)
    assert view.browser.verticalScrollBar().value() == place
    view.show_entry(make_entry(paragraphs, entry_id=9), None, allow_images=False)
    assert view.browser.verticalScrollBar().value() == 0


def test_zoom(qtbot: QtBot, view: ArticleView) -> None:
    size = view.browser.font().pointSizeF()
    with qtbot.waitSignal(view.zoom_changed) as changed:
        view.zoom_in()
    assert changed.args == [110]
    assert view.zoom_percent == 110
    assert view.browser.font().pointSizeF() > size
    view.zoom_out()
    view.zoom_out()
    assert view.zoom_percent == 90
    with qtbot.waitSignal(view.zoom_changed) as changed:
        view.reset_zoom()
    assert changed.args == [100]
    assert view.browser.font().pointSizeF() == pytest.approx(size)
    with qtbot.assertNotEmitted(view.zoom_changed):
        view.set_zoom_percent(1_000)
    assert view.zoom_percent == 300
    for _ in range(40):
        view.zoom_out()
    assert view.zoom_percent == 50


def test_the_stylesheet_follows_the_palette(view: ArticleView) -> None:
    view.show_entry(make_entry("<p>x</p>"), None, allow_images=False)
    view.setPalette(theme.dark_palette())
    text = theme.dark_palette().color(QPalette.ColorRole.Text).name()
    assert f"color: {text}" in view.browser.document().defaultStyleSheet()
    assert view.browser.toPlainText().strip() == "x"


@pytest.mark.skipif(
    not os.environ.get("READER_APP_MEASURE_LAYOUT"),
    reason="a measurement to run by hand: READER_APP_MEASURE_LAYOUT=1 pytest -s ...",
)
def test_measure_hostile_articles(view: ArticleView) -> None:
    """Prints sanitize + setHtml + layout + paint times of hostile articles (no assertion on
    time: figures depend on the machine)."""
    para = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 10 + "</p>"
    cases = {
        "18 nested tables": "<table><tr><td>" * 18 + "x" + "</td></tr></table>" * 18,
        "100,000-character word": "<p>" + "a" * 100_000 + "</p>",
        "500 KB of paragraphs": para * (500_000 // len(para)),
        "500 KB flat table": "<table>"
        + "<tr><td>cell</td><td>more</td></tr>" * 14_000
        + "</table>",
        "30,000 nested divs": "<div>" * 30_000 + "x",
        "100,000 <br>": "<br>" * 100_000,
        "10 lists of 500 items": ("<ul>" + "<li>x</li>" * 500 + "</ul>") * 10,
        "5,000 images": "".join(f"<img src='http://i.example/{i}.png'>" for i in range(5_000)),
    }
    browser = view.browser
    browser.allow_remote_images = True
    print()
    for name, html in cases.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = sanitize_article(html, base_url="https://x.example/", allow_images=True)
            browser.document().clear()
            browser.setHtml(result.html)
            browser.document().size()
            browser.viewport().grab()
            best = min(best, time.perf_counter() - start)
        print(
            f"{name:28s} {len(html):>9,d} chars -> {len(result.html):>8,d}  {best * 1000:6.1f} ms"
        )
