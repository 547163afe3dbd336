"""Who an entry is (its key) and what it says (its content hash).

A feed document is re-read every few minutes for years, so each item needs a name that stays
the same from one fetch to the next: that is :func:`entry_key`, unique per feed in storage. The
text behind that name can still be edited upstream; :func:`content_hash` notices that without
keeping the previous copy around.

Both are digests that must be equal across runs and machines, so they use SHA-256 over a
fixed encoding, never Python's ``hash()`` (salted per process by ``PYTHONHASHSEED``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from reader_app.ingest.types import ParsedEntry

__all__ = ["MAX_KEY_LENGTH", "content_hash", "entry_key"]

# Keys are indexed and compared on every sync; a guid of a megabyte (seen in the wild: whole
# articles pasted into <guid>) must not end up in the index. Longer keys are replaced by their
# digest, which is as unique and stays the same from one fetch to the next.
MAX_KEY_LENGTH = 1000


def entry_key(entry: ParsedEntry) -> str:
    """The entry's identity within its feed: ``guid:...``, else ``link:...``, else ``hash:...``.

    The publisher's guid (RSS guid, Atom id, JSON Feed id) is preferred because it is the one
    name meant to survive edits of the title, link and text. Without it, the link is the next
    most stable name. Without either, only the content is left: such an entry gets a new key
    when it is edited upstream, and then shows up as a new article, which cannot be helped.

    The prefixes keep the kinds apart, so a feed whose guid for one item equals the link of
    another item does not merge them. Surrounding whitespace is dropped (feeds pad their
    ``<guid>`` inconsistently between fetches); a blank guid or link counts as missing.
    """
    guid = (entry.guid or "").strip()
    if guid:
        return _bounded("guid:" + guid)
    link = (entry.link or "").strip()
    if link:
        return _bounded("link:" + link)
    fields = [entry.title, entry.summary, entry.content, _iso(entry.published)]
    return "hash:" + _sha256_json(fields)


def content_hash(entry: ParsedEntry) -> str:
    """A SHA-256 hex digest of everything a reader of the entry would see change.

    Storage keeps it next to the entry; when a later fetch yields the same key with another
    hash, the entry was edited upstream and its content is replaced (see ``decide``). The
    fields are encoded as one JSON list, so moving text from one field to the next (title
    "ab" + summary "c" versus "a" + "bc") changes the hash, and ``None`` differs from "".
    """
    fields = [
        entry.title,
        entry.link,
        entry.author,
        entry.summary,
        entry.content,
        _iso(entry.published),
        _iso(entry.updated),
    ]
    return _sha256_json(fields)


def _bounded(key: str) -> str:
    """``key`` itself, or ``sha256:`` and its digest when it is too long to index."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    # surrogatepass: a broken feed can yield lone surrogates, which plain UTF-8 refuses.
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _sha256_json(fields: list[str | None]) -> str:
    # json.dumps escapes to ASCII by default, so any string (lone surrogates included) encodes.
    text = json.dumps(fields, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    """An instant as text that is the same for the same instant in any time zone."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat()
