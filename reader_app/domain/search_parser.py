"""Search queries: what the user types, parsed into a ``SearchQuery``. Pure; no SQL here.

The grammar, kept small on purpose (the README's "Searching" lists it for users)::

    query     := part*                       parts side by side must all hold (AND)
    part      := alternative ("OR" alternative)*
    alternative := ("-" | "NOT")? primary    "-" or NOT excludes what follows
    primary   := word | "phrase" | filter | "(" part* ")"
    filter    := feed:VALUE | tag:VALUE | is:unread | is:read | is:starred
               | before:DAY | after:DAY      VALUE: a word or "quoted words"
    DAY       := YYYY-MM-DD | today | yesterday | Nd | Nw   (N days or weeks before today)

``OR`` binds tighter than the space between parts, as in web search engines:
``linux kernel OR driver`` finds "linux" with "kernel" or "driver". ``AND`` may be written and
changes nothing; ``OR``, ``AND`` and ``NOT`` are operators only in capitals. A word ending in
``*`` matches words starting with it (``parse*``: parser, parsing). Words are matched without
regard to case or accents (``cafe`` finds "Café"). Characters that are neither letters nor
digits separate words, so ``e-mail`` is the phrase "e mail" and a word of punctuation alone
(``+++``) is ignored.

Filters narrow the articles; they stand beside the words, never inside parentheses or joined
by OR. Several ``feed:`` filters mean any of those feeds, several ``tag:`` filters any of those
tags (a tag includes the tags nested below it, as in the feed list); ``feed:`` and ``tag:``
together mean both. ``feed:`` matches part of a feed's displayed title or its URL, ignoring
case. ``-feed:``, ``-tag:`` and ``-is:`` exclude. ``after:DAY`` means on or after that day,
``before:DAY`` before it (local days): ``after:2026-01-05 before:2026-01-06`` is one day.

A query that cannot be read raises ``SearchSyntaxError`` naming the column. Anything else is
accepted: words are data, never syntax for the database (see ``storage/search.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final

from reader_app.domain.search import AllOf, AnyOf, SearchQuery, Term, TextExpr
from reader_app.domain.tags import InvalidTagError, normalize_tag
from reader_app.errors import SearchSyntaxError

MAX_QUERY_CHARS: Final = 1000
MAX_NESTING: Final = 10
# Letters a prefix needs: a shorter one matches a large part of any library and is slow.
MIN_PREFIX: Final = 3

FILTER_NAMES: Final = ("feed", "tag", "is", "before", "after")
_IS_VALUES: Final = ("unread", "read", "starred")
_OPEN_QUOTES: Final = '"\u201c'  # " and the typographic opening quote
_CLOSE_QUOTES: Final = '"\u201d\u201c'
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_RELATIVE_DAY: Final = re.compile(r"(\d{1,5})([dw])")


# ---------------------------------------------------------------------------------------------
# Lexing: characters to tokens, each with the column where it starts.


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word, phrase, filter, or, and, not, open, close, end
    column: int
    text: str = ""
    negated: bool = False
    prefix: bool = False  # the user's own "*"
    typing: bool = False  # the word being typed (``prefix_last``): a prefix if long enough
    name: str = ""  # a filter's name
    end: int = 0  # index just past the token


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs")


def _clean(text: str) -> str:
    """Control characters and lone surrogates become spaces; columns stay where they were."""
    return "".join(" " if _is_space(ch) else ch for ch in text)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text inside the quote at ``start`` and the index after its closing quote."""
    for index in range(start + 1, len(text)):
        if text[index] in _CLOSE_QUOTES:
            return text[start + 1 : index], index + 1
    raise SearchSyntaxError("unclosed quote", column=start + 1)


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == " ":
            i += 1
            continue
        start, negated = i, False
        if ch == "-" and i + 1 < n and text[i + 1] not in " )":
            negated, i = True, i + 1
            ch = text[i]
        if ch in _OPEN_QUOTES:
            inner, i = _read_quoted(text, i)
            prefix = i < n and text[i] == "*"
            i += prefix
            tokens.append(_Token("phrase", start + 1, inner, negated=negated, prefix=prefix, end=i))
        elif ch == "(":
            i += 1
            tokens.append(_Token("open", start + 1, negated=negated, end=i))
        elif ch == ")":
            i += 1
            tokens.append(_Token("close", start + 1, end=i))
        else:
            token, i = _lex_word(text, start, i, negated)
            if token is not None:
                tokens.append(token)
    tokens.append(_Token("end", n + 1, end=n))
    return tokens


def _lex_word(text: str, start: int, i: int, negated: bool) -> tuple[_Token | None, int]:
    n = len(text)
    end = i
    while end < n and text[end] != " " and text[end] not in "()" and text[end] not in _OPEN_QUOTES:
        end += 1
    word = text[i:end]
    column = start + 1
    if not word:  # a lone "-" before a quote-less break: punctuation
        return None, end
    if not negated and word in ("OR", "AND", "NOT"):
        return _Token(word.lower(), column, end=end), end
    name, colon, value = word.partition(":")
    if colon and name and name.isascii() and name.isalpha():
        name = name.lower()
        quoted = not value and end < n and text[end] in _OPEN_QUOTES
        if quoted:
            value, end = _read_quoted(text, end)
        if name in FILTER_NAMES:
            value = value.strip()
            if not value:
                raise SearchSyntaxError(f"{name}: needs a value", column=column)
            return _Token("filter", column, value, negated=negated, name=name, end=end), end
        if quoted or (value and not value.startswith("//")):
            names = ", ".join(f"{known}:" for known in FILTER_NAMES)
            raise SearchSyntaxError(
                f'unknown filter "{name}:"',
                column=column,
                hint=f"filters are {names}; put words with a colon in quotes",
            )
    prefix = word.endswith("*")
    return _Token("word", column, word.rstrip("*"), negated=negated, prefix=prefix, end=end), end


# ---------------------------------------------------------------------------------------------
# Parsing: tokens to a tree of parts. Filters are kept apart and applied at the end.


@dataclass(frozen=True, slots=True)
class _Filter:
    name: str
    value: str
    negated: bool
    column: int


@dataclass(frozen=True, slots=True)
class _Node:
    """A parsed part before simplification: a term, a group (AND) or alternatives (OR)."""

    kind: str  # term, group, any
    column: int
    negated: bool = False
    term: Term | None = None
    children: tuple[_Node | _Filter, ...] = ()


_STOPS: Final = ("end", "close", "or", "and")


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._at = 0

    @property
    def _next(self) -> _Token:
        return self._tokens[self._at]

    def _take(self) -> _Token:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def query(self) -> list[_Node | _Filter]:
        """The whole query's parts; anything left over is a stray closing parenthesis."""
        parts = self.sequence(0)
        if self._next.kind == "close":
            raise SearchSyntaxError("unmatched closing parenthesis", column=self._next.column)
        return parts

    def sequence(self, depth: int) -> list[_Node | _Filter]:
        """Parts until the end or a closing parenthesis."""
        parts: list[_Node | _Filter] = []
        while self._next.kind not in ("end", "close"):
            if self._next.kind == "and":
                token = self._take()
                if not parts or self._next.kind in _STOPS:
                    raise SearchSyntaxError(
                        "AND needs a search term on both sides", column=token.column
                    )
                continue
            parts.append(self.alternatives(depth))
        return parts

    def alternatives(self, depth: int) -> _Node | _Filter:
        first = self._next
        if first.kind == "or":
            raise SearchSyntaxError("OR needs a search term on both sides", column=first.column)
        options = [self.unary(depth)]
        while self._next.kind == "or":
            token = self._take()
            if self._next.kind in _STOPS:
                raise SearchSyntaxError("OR needs a search term on both sides", column=token.column)
            options.append(self.unary(depth))
        if len(options) == 1:
            return options[0]
        for option in options:
            if isinstance(option, _Filter):
                raise SearchSyntaxError(
                    f"OR cannot join filters such as {option.name}:",
                    column=option.column,
                    hint="several feed: or tag: filters already mean any of them",
                )
        return _Node("any", first.column, children=tuple(options))

    def unary(self, depth: int) -> _Node | _Filter:
        negated = False
        while self._next.kind == "not":
            token = self._take()
            if self._next.kind in _STOPS:
                raise SearchSyntaxError("NOT needs a search term after it", column=token.column)
            negated = not negated
        part = self.primary(depth)
        if not negated:
            return part
        return replace(part, negated=not part.negated)

    def primary(self, depth: int) -> _Node | _Filter:
        token = self._take()
        if token.kind in ("word", "phrase"):
            text = unicodedata.normalize("NFC", token.text.strip())
            long_enough = _last_word_length(text) >= MIN_PREFIX
            if token.prefix and not long_enough and _searchable(text):
                raise SearchSyntaxError(
                    f"a word ending in * needs at least {MIN_PREFIX} letters",
                    column=token.column,
                )
            term = Term(text, prefix=token.prefix or (token.typing and long_enough))
            return _Node("term", token.column, negated=token.negated, term=term)
        if token.kind == "filter":
            if depth > 0:
                raise SearchSyntaxError(
                    f"filters such as {token.name}: cannot go inside parentheses",
                    column=token.column,
                )
            return _Filter(token.name, token.text, token.negated, token.column)
        if token.kind == "open":
            if depth >= MAX_NESTING:
                raise SearchSyntaxError(
                    f"more than {MAX_NESTING} nested parentheses", column=token.column
                )
            inner = self.sequence(depth + 1)
            if self._next.kind != "close":
                raise SearchSyntaxError("unclosed parenthesis", column=token.column)
            self._take()
            if not inner:
                raise SearchSyntaxError("empty parentheses", column=token.column)
            return _Node("group", token.column, negated=token.negated, children=tuple(inner))
        if token.kind == "close":
            raise SearchSyntaxError("unmatched closing parenthesis", column=token.column)
        raise AssertionError(f"unexpected token {token.kind}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Simplifying the tree: unsearchable words dropped, groups flattened, exclusions checked.


def _searchable(text: str) -> bool:
    """Whether the words hold a letter or digit: anything else only separates words."""
    return any(ch.isalnum() for ch in text)


def _simplify(node: _Node) -> TextExpr | None:
    """The expression of one node, ignoring its own negation; None: nothing to search for."""
    if node.kind == "term":
        assert node.term is not None
        return node.term if _searchable(node.term.text) else None
    if node.kind == "any":
        return _alternatives(node)
    return _all_of([child for child in node.children if isinstance(child, _Node)])


def _alternatives(node: _Node) -> TextExpr | None:
    parts: list[TextExpr] = []
    for child in node.children:
        assert isinstance(child, _Node)
        expr = _simplify(child)
        if expr is None:
            continue
        if child.negated or (isinstance(expr, AllOf) and not expr.include):
            raise SearchSyntaxError(
                "OR cannot join a part that only excludes words", column=child.column
            )
        parts.extend(expr.parts if isinstance(expr, AnyOf) else (expr,))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


def _all_of(nodes: list[_Node]) -> TextExpr | None:
    include: list[TextExpr] = []
    exclude: list[TextExpr] = []
    for node in nodes:
        expr = _simplify(node)
        if expr is None:
            continue
        if node.negated:
            if isinstance(expr, AllOf) and not expr.include:
                raise SearchSyntaxError(
                    "an excluded group needs a word to exclude", column=node.column
                )
            exclude.append(expr)
        elif isinstance(expr, AllOf):
            include.extend(expr.include)
            exclude.extend(expr.exclude)
        else:
            include.append(expr)
    if not include and not exclude:
        return None
    if len(include) == 1 and not exclude:
        return include[0]
    return AllOf(tuple(include), tuple(exclude))


# ---------------------------------------------------------------------------------------------
# Filters


def parse_day(value: str, today: date) -> date | None:
    """A day as ``before:`` and ``after:`` take it; None if ``value`` is not one."""
    lowered = value.lower()
    if lowered == "today":
        return today
    if lowered == "yesterday":
        return today - timedelta(days=1)
    try:
        relative = _RELATIVE_DAY.fullmatch(lowered)
        if relative is not None:
            count = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
            return today - timedelta(days=count)
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return None


def _apply_filter(query: SearchQuery, f: _Filter, today: date) -> SearchQuery:
    if f.name == "feed":
        if f.negated:
            return replace(query, not_feeds=(*query.not_feeds, f.value))
        return replace(query, feeds=(*query.feeds, f.value))
    if f.name == "tag":
        try:
            tag = normalize_tag(f.value)
        except InvalidTagError as exc:
            raise SearchSyntaxError(f"tag: {exc}", column=f.column) from None
        if f.negated:
            return replace(query, not_tags=(*query.not_tags, tag))
        return replace(query, tags=(*query.tags, tag))
    if f.name == "is":
        return _apply_state(query, f)
    day = parse_day(f.value, today)
    if day is None:
        raise SearchSyntaxError(
            f'{f.name}: needs a day, not "{f.value[:40]}"',
            column=f.column,
            hint="a day is 2026-01-31, today, yesterday, 7d (days ago) or 2w (weeks ago)",
        )
    after = (f.name == "after") != f.negated  # -before:D is after:D, and the other way
    if after:
        return replace(query, after=day if query.after is None else max(day, query.after))
    return replace(query, before=day if query.before is None else min(day, query.before))


def _apply_state(query: SearchQuery, f: _Filter) -> SearchQuery:
    value = f.value.lower()
    if value not in _IS_VALUES:
        raise SearchSyntaxError(
            f'is: takes unread, read or starred, not "{f.value[:40]}"', column=f.column
        )
    wanted = (value != "unread") != f.negated
    current = query.starred if value == "starred" else query.read
    if current is not None and current != wanted:
        raise SearchSyntaxError(f"is:{value} contradicts an earlier is: filter", column=f.column)
    if value == "starred":
        return replace(query, starred=wanted)
    return replace(query, read=wanted)


# ---------------------------------------------------------------------------------------------


def _last_word_length(text: str) -> int:
    """Letters and digits at the end of ``text``: the part a prefix search continues."""
    count = 0
    for ch in reversed(text):
        if not ch.isalnum():
            break
        count += 1
    return count


def _last_word_as_prefix(tokens: list[_Token], length: int) -> Callable[[_Token], _Token]:
    """For as-you-type: the word still being typed (nothing after it) is marked."""
    last = tokens[-2] if len(tokens) > 1 else None

    def adjust(token: _Token) -> _Token:
        if token is last and token.kind == "word" and token.end == length:
            return replace(token, typing=True)
        return token

    return adjust


def parse_search(text: str, *, today: date, prefix_last: bool = False) -> SearchQuery:
    """Parse a query; ``today`` (the user's local date) anchors relative days. With
    ``prefix_last`` the word at the very end (no space after it) matches as a prefix, for a
    search box that searches as the user types.

    Raises SearchSyntaxError for a query that cannot be read.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise SearchSyntaxError(
            f"the query is too long ({len(text)} characters, at most {MAX_QUERY_CHARS})",
            column=MAX_QUERY_CHARS + 1,
        )
    cleaned = _clean(text)
    tokens = _lex(cleaned)
    if prefix_last:
        tokens = list(map(_last_word_as_prefix(tokens, len(cleaned)), tokens))
    parts = _Parser(tokens).query()
    query = SearchQuery(source=text)
    nodes: list[_Node] = []
    for part in parts:
        if isinstance(part, _Filter):
            query = _apply_filter(query, part, today)
        else:
            nodes.append(part)
    return replace(query, text=_all_of(nodes))
