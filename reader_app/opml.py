"""OPML import and export: subscription lists in, OPML 2.0 out.

Import reads OPML 1.0, 2.0 and the many unversioned variants real readers export. Folders and
``category`` attributes become tags (a ``/`` nests them), feeds are de-duplicated by normalized
URL, and every outline that cannot be imported is reported with its line and the reason, so the
user can see what was left out. A file that cannot be read at all raises ``OpmlError`` and nothing
is imported.

The files come from anywhere, so parsing is defensive. ``defusedxml``'s guarded expat reader
parses them: any DOCTYPE is refused (OPML needs none, and a DTD could supply entities or default
attributes the file never shows), as are entity declarations and external references, so no
"billion laughs" bomb expands and no file or URL is ever read. Input size (50 MB) and outline
nesting (100 levels) are bounded.

Export writes OPML 2.0 that most readers import: one outline per feed per tag, tags as nested
folders. Importing our own export gives back the same feeds, titles, sites and tags.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal
from urllib.parse import urlsplit
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    NotSupportedError,
)
from defusedxml.expatreader import DefusedExpatParser

from reader_app.domain.urls import normalize_feed_url
from reader_app.errors import InvalidFeedUrlError, OpmlError

__all__ = [
    "MAX_OPML_BYTES",
    "MAX_OUTLINE_DEPTH",
    "ExportFeed",
    "OpmlDocument",
    "OpmlFeed",
    "OpmlSkip",
    "parse_opml",
    "write_opml",
]

MAX_OPML_BYTES = 50 * 1024 * 1024
"""Larger files are refused unread: a subscription list is kilobytes; this is not one."""

MAX_OUTLINE_DEPTH = 100
"""Deeper nesting is refused: no real folder tree is this deep, and it bounds our work."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """A feed found in an OPML file, ready to subscribe to."""

    url: str
    """Normalized with ``normalize_feed_url``; unique within one ``OpmlDocument``."""
    title: str | None
    """The outline's ``title``, else its ``text``; None when neither says more than the URL."""
    site_url: str | None
    """The ``htmlUrl`` when it is an http(s) URL, as written."""
    tags: tuple[str, ...]
    """Folder paths and ``category`` paths, ``/``-separated; sorted, without duplicates."""


@dataclass(frozen=True, slots=True)
class OpmlSkip:
    """An outline that was not imported, and why."""

    title: str | None
    url: str | None
    """The ``xmlUrl`` as written in the file; None when there was none."""
    line: int | None
    """Line of the ``<outline`` in the file."""
    reason: str


@dataclass(frozen=True, slots=True)
class OpmlDocument:
    """Everything read from one OPML file."""

    title: str | None
    feeds: tuple[OpmlFeed, ...]
    """In document order; a feed listed twice appears once, with the tags of both listings."""
    skipped: tuple[OpmlSkip, ...]


@dataclass(frozen=True, slots=True)
class ExportFeed:
    """A subscription to write out with ``write_opml``."""

    url: str
    title: str | None
    site_url: str | None
    tags: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Import


_Kind = Literal["opml", "head", "title", "body", "outline", "other"]


@dataclass(slots=True)
class _Pending:
    """An outline without ``xmlUrl``: a folder if a child outline appears, else a skip."""

    title: str | None
    line: int | None
    reason: str


@dataclass(slots=True)
class _Frame:
    """One open element. ``folder`` is the folder path its child outlines are in."""

    kind: _Kind
    folder: tuple[str, ...] = ()
    depth: int = 0
    pending: _Pending | None = None


@dataclass(slots=True)
class _Found:
    """A feed being collected; several outlines may add to it."""

    title: str | None
    site_url: str | None
    tags: set[str] = field(default_factory=set)


def _path_parts(raw: str) -> tuple[str, ...]:
    """Split a ``/`` path into stripped, non-empty parts (``" /Tech//Linux/"`` -> Tech, Linux)."""
    return tuple(part for part in (piece.strip() for piece in raw.split("/")) if part)


def _clean(value: str | None) -> str | None:
    """Strip an attribute value; empty means absent."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _site_url(raw: str | None) -> str | None:
    """``htmlUrl`` is shown as a link, so only http(s) URLs with a host are kept."""
    text = _clean(raw)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return None


def _url_reason(raw: str, error: InvalidFeedUrlError) -> str:
    """A skip reason naming the problem; the URL itself is in ``OpmlSkip.url``."""
    text = raw.strip()
    try:
        relative = bool(text) and not urlsplit(text).scheme
    except ValueError:
        relative = False
    if relative:
        return "relative URL (no scheme)"
    message = str(error)
    prefix = repr(raw)
    if message.startswith(prefix):
        # urls.py names the URL first; drop it so the reason reads on its own.
        message = message[len(prefix) :].lstrip(": ")
        if message.startswith(("is ", "has ")):
            message = f"URL {message}"
    return message


class _OpmlHandler(ContentHandler):
    """SAX events in, an ``OpmlDocument``'s parts out, while the file streams through."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self._source = source
        self._locator: Locator | None = None
        self._stack: list[_Frame] = []
        self._title_parts: list[str] | None = None
        self.title: str | None = None
        self.saw_body = False
        self.feeds: dict[str, _Found] = {}
        self.skipped: list[OpmlSkip] = []

    def setDocumentLocator(self, locator: Locator) -> None:
        self._locator = locator

    def line(self) -> int | None:
        """The line expat is at: of the element being handled, or where parsing stopped."""
        return None if self._locator is None else self._locator.getLineNumber()

    def refuse(self, reason: str) -> OpmlError:
        return OpmlError(reason, source=self._source, line=self.line())

    def startElement(self, name: str, attrs: AttributesImpl[str]) -> None:
        # Element names are compared case-insensitively: exporters disagree on case too.
        local = name.lower()
        if not self._stack:
            if local != "opml":
                raise self.refuse(f"not an OPML file (the root element is <{name}>, not <opml>)")
            self._stack.append(_Frame("opml"))
            return
        parent = self._stack[-1]
        if parent.kind == "opml" and local == "head":
            self._stack.append(_Frame("head"))
        elif parent.kind == "opml" and local == "body":
            self.saw_body = True
            self._stack.append(_Frame("body"))
        elif parent.kind == "head" and local == "title" and self._title_parts is None:
            self._title_parts = []
            self._stack.append(_Frame("title"))
        elif parent.kind in ("body", "outline") and local == "outline":
            self._outline(parent, attrs.items())
        else:
            # Anything else (extension elements, outlines outside <body>) is ignored whole.
            self._stack.append(_Frame("other"))

    def endElement(self, name: str) -> None:
        frame = self._stack.pop()
        if frame.kind == "title" and self._title_parts is not None:
            self.title = _clean("".join(self._title_parts))
        elif frame.pending is not None:
            pending = frame.pending
            self.skipped.append(OpmlSkip(pending.title, None, pending.line, pending.reason))

    def characters(self, content: str) -> None:
        if self._stack and self._stack[-1].kind == "title" and self._title_parts is not None:
            self._title_parts.append(content)

    def _outline(self, parent: _Frame, raw_attrs: list[tuple[str, str]]) -> None:
        line = self.line()
        depth = parent.depth + 1
        if depth > MAX_OUTLINE_DEPTH:
            raise self.refuse(f"folders nested deeper than {MAX_OUTLINE_DEPTH} levels")
        # A child outline makes its parent a folder, so the parent is not a skip after all.
        parent.pending = None
        # Exporters write xmlUrl, xmlurl, XMLURL...; the first spelling in the file wins.
        attrs: dict[str, str] = {}
        for key, value in raw_attrs:
            attrs.setdefault(key.lower(), value)
        text = _clean(attrs.get("text"))
        title = _clean(attrs.get("title")) or text
        xml_url = attrs.get("xmlurl")
        if xml_url is None:
            # A folder, if children follow; its children are in the folder it names.
            name = text or title or ""
            kind = (_clean(attrs.get("type")) or "").lower()
            reason = "no xmlUrl"
            if kind in ("link", "include") and _clean(attrs.get("url")) is not None:
                reason = f"not a feed (type={kind})"
            self._stack.append(
                _Frame(
                    "outline",
                    folder=parent.folder + _path_parts(name),
                    depth=depth,
                    pending=_Pending(title, line, reason),
                )
            )
            return
        # A feed; any children it has are treated as being in the feed's own folder.
        self._stack.append(_Frame("outline", folder=parent.folder, depth=depth))
        try:
            url = normalize_feed_url(xml_url)
        except InvalidFeedUrlError as error:
            self.skipped.append(OpmlSkip(title, xml_url, line, _url_reason(xml_url, error)))
            return
        if title is not None and title in (xml_url.strip(), url):
            # Exporters (ours included) write the URL as text when a feed has no title.
            title = None
        tags: set[str] = set()
        if parent.folder:
            tags.add("/".join(parent.folder))
        for category in (attrs.get("category") or "").split(","):
            parts = _path_parts(category)
            if parts:
                tags.add("/".join(parts))
        found = self.feeds.get(url)
        if found is None:
            self.feeds[url] = _Found(title, _site_url(attrs.get("htmlurl")), tags)
        else:
            found.tags |= tags
            found.title = found.title or title
            found.site_url = found.site_url or _site_url(attrs.get("htmlurl"))


_REFUSED: dict[type[Exception], str] = {
    DTDForbidden: "document type declarations (DOCTYPE) are not allowed",
    EntitiesForbidden: "entity declarations are not allowed",
    ExternalReferenceForbidden: "external references are not allowed",
    NotSupportedError: "the file uses an XML feature that is not supported",
}


def _run_defused(data: bytes, handler: ContentHandler) -> None:
    """Parse ``data`` with defusedxml's guarded expat reader, sending events to ``handler``.

    Raises defusedxml's ``DefusedXmlException`` for a refused construct and ``SAXParseException``
    for XML that is not well-formed. No encoding is given: expat follows the BOM and the XML
    declaration.
    """
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(handler)
    parser.parse(io.BytesIO(data))


def parse_opml(data: bytes, *, source: str = "OPML") -> OpmlDocument:
    """Read an OPML file; raise ``OpmlError`` (naming ``source`` and the line) if it cannot be.

    Outlines that are not importable feeds are listed in ``skipped``, not raised: one bad entry
    should not stop the rest of a subscription list from coming in.
    """
    try:
        return _parse(data, source)
    except OpmlError:
        raise
    except Exception as error:
        # Whatever the parser or our own code throws, the caller gets one kind of error and
        # nothing partial; the cause stays chained for the log.
        raise OpmlError(
            f"could not be read ({type(error).__name__}: {error})", source=source
        ) from error


def _parse(data: bytes, source: str) -> OpmlDocument:
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            f"the file is too large ({len(data):,} bytes; the limit is "
            f"{MAX_OPML_BYTES // (1024 * 1024)} MB)",
            source=source,
        )
    if not data.strip():
        raise OpmlError("the file is empty", source=source)
    handler = _OpmlHandler(source)
    try:
        _run_defused(data, handler)
    except DefusedXmlException as error:
        reason = _REFUSED.get(type(error), "the file uses XML that is not allowed")
        raise OpmlError(reason, source=source, line=handler.line()) from None
    except SAXParseException as error:
        # "mismatched tag" -> "not well-formed XML (mismatched tag)"; the same for "not
        # well-formed (invalid token)".
        detail = error.getMessage().removeprefix("not well-formed ").strip("()")
        reason = f"not well-formed XML ({detail or 'unknown error'})"
        raise OpmlError(reason, source=source, line=error.getLineNumber()) from None
    if not handler.saw_body:
        raise OpmlError("no <body> element in <opml>", source=source)
    feeds = tuple(
        OpmlFeed(url, found.title, found.site_url, tuple(sorted(found.tags)))
        for url, found in handler.feeds.items()
    )
    return OpmlDocument(handler.title, feeds, tuple(handler.skipped))


# --------------------------------------------------------------------------------------------
# Export

# Characters XML 1.0 cannot carry at all, not even as references; feed titles do contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass(slots=True)
class _Folder:
    folders: dict[str, _Folder] = field(default_factory=dict)
    feeds: dict[str, ExportFeed] = field(default_factory=dict)


def _export_path(tag: str) -> tuple[str, ...]:
    """Folder names for a tag; () means top level."""
    return tuple(part for part in (_xml_text(piece) for piece in _path_parts(tag)) if part)


def _sort_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _emit(parent: ET.Element, folder: _Folder) -> None:
    for name in sorted(folder.folders, key=_sort_key):
        element = ET.SubElement(parent, "outline", {"text": name})
        _emit(element, folder.folders[name])
    labelled: list[tuple[str, str | None, ExportFeed]] = []
    for feed in folder.feeds.values():
        title = _xml_text(feed.title) if feed.title else None
        labelled.append((title or _xml_text(feed.url), title or None, feed))
    labelled.sort(key=lambda item: (*_sort_key(item[0]), item[2].url))
    for text, title, feed in labelled:
        attrs = {"type": "rss", "text": text}
        if title is not None:
            attrs["title"] = title
        attrs["xmlUrl"] = _xml_text(feed.url)
        if feed.site_url is not None:
            attrs["htmlUrl"] = _xml_text(feed.site_url)
        ET.SubElement(parent, "outline", attrs)


def write_opml(
    feeds: Iterable[ExportFeed],
    *,
    title: str = "reader_app subscriptions",
    now: datetime | None = None,
) -> bytes:
    """Serialize subscriptions as OPML 2.0 (UTF-8).

    Each tag path becomes nested folders and a feed appears once under each of its tags, the
    usual OPML spelling of a multi-tag feed (``parse_opml`` merges the copies back). Output is
    sorted so the same subscriptions always give the same file. ``now`` (default: the current
    time; naive means UTC) fills ``dateCreated``.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    ET.SubElement(head, "dateCreated").text = format_datetime(moment.astimezone(UTC), usegmt=True)
    body = ET.SubElement(root, "body")

    tree = _Folder()
    for feed in feeds:
        paths = {_export_path(tag) for tag in feed.tags} - {()} or {()}
        for path in paths:
            node = tree
            for part in path:
                node = node.folders.setdefault(part, _Folder())
            node.feeds.setdefault(feed.url, feed)
    _emit(body, tree)

    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()
