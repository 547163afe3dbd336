"""Tag names: ``/`` nests them (``Tech/Linux`` sits under ``Tech``)."""

from __future__ import annotations

from reader_app.errors import ReaderAppError

MAX_TAG_LENGTH = 200


class InvalidTagError(ReaderAppError):
    """A tag name that is empty or too long."""


def normalize_tag(raw: str) -> str:
    """Trim each ``/``-separated part, drop empty parts, and check what is left.

    ``" News / Europe/ "`` becomes ``"News/Europe"``; case is kept as the user wrote it.
    """
    parts = [" ".join(part.split()) for part in raw.split("/")]
    name = "/".join(part for part in parts if part)
    if not name:
        raise InvalidTagError(f"{raw!r} is not a tag name (it is empty)")
    if len(name) > MAX_TAG_LENGTH:
        raise InvalidTagError(f"tag name longer than {MAX_TAG_LENGTH} characters: {name[:40]!r}...")
    return name


def tag_and_ancestors(name: str) -> tuple[str, ...]:
    """``"a/b/c"`` -> ``("a", "a/b", "a/b/c")``: the nodes a tag tree shows for it."""
    parts = name.split("/")
    return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))
