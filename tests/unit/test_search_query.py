"""The search query parser: what each piece of the grammar means, where errors point, and that
no input makes it fail in any other way. Pure: no database (the storage tests run the same
queries against SQLite)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader_app.domain.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    AllOf,
    AnyOf,
    SearchQuery,
    Term,
    TextExpr,
    split_highlights,
)
from reader_app.domain.search_parser import MAX_NESTING, MAX_QUERY_CHARS, parse_search
from reader_app.errors import ReaderAppError, SearchSyntaxError

TODAY = date(2026, 11, 23)


def parse(text: str, *, prefix_last: bool = False) -> SearchQuery:
    return parse_search(text, today=TODAY, prefix_last=prefix_last)


def words(text: str) -> TextExpr | None:
    return parse(text).text


def error(text: str) -> SearchSyntaxError:
    with pytest.raises(SearchSyntaxError) as info:
        parse(text)
    return info.value


def t(text: str, *, prefix: bool = False) -> Term:
    return Term(text, prefix=prefix)


# -- words, phrases, operators -----------------------------------------------------------------


def test_one_word() -> None:
    assert words("linux") == t("linux")


def test_words_side_by_side_must_all_match() -> None:
    assert words("linux  kernel") == AllOf((t("linux"), t("kernel")))


def test_and_may_be_written_and_changes_nothing() -> None:
    assert words("linux AND kernel") == words("linux kernel")


def test_a_quoted_phrase_is_one_term() -> None:
    assert words('"free software" news') == AllOf((t("free software"), t("news")))


def test_typographic_quotes_make_a_phrase() -> None:
    assert words("\u201cfree software\u201d") == t("free software")


def test_minus_excludes() -> None:
    assert words('linux -windows -"blue screen"') == AllOf(
        (t("linux"),), (t("windows"), t("blue screen"))
    )


def test_not_excludes_like_minus() -> None:
    assert words("linux NOT windows") == words("linux -windows")


def test_exclusions_alone_are_a_query() -> None:
    query = parse("-spam -ads")
    assert query.text == AllOf((), (t("spam"), t("ads")))
    assert query.excludes_only


def test_or_binds_tighter_than_the_space_between_words() -> None:
    assert words("linux kernel OR driver") == AllOf((t("linux"), AnyOf((t("kernel"), t("driver")))))


def test_or_chains() -> None:
    assert words("a1 OR b2 OR c3") == AnyOf((t("a1"), t("b2"), t("c3")))


def test_parentheses_group() -> None:
    assert words("(linux kernel) OR bsd") == AnyOf((AllOf((t("linux"), t("kernel"))), t("bsd")))


def test_excluded_group() -> None:
    assert words("news -(sports OR weather)") == AllOf(
        (t("news"),), (AnyOf((t("sports"), t("weather"))),)
    )


def test_nested_groups_flatten() -> None:
    assert words("a1 (b2 (c3 -d4))") == AllOf((t("a1"), t("b2"), t("c3")), (t("d4"),))


def test_lowercase_operators_are_words() -> None:
    assert words("this or that and not") == AllOf(
        (t("this"), t("or"), t("that"), t("and"), t("not"))
    )


def test_a_trailing_star_makes_a_prefix() -> None:
    assert words("pars*") == t("pars", prefix=True)
    assert words('"open sou"*') == t("open sou", prefix=True)


def test_a_prefix_needs_three_letters() -> None:
    failure = error("news ab*")
    assert failure.column == 6
    assert "3 letters" in str(failure)
    assert words("news *") == t("news")  # a star alone is punctuation


def test_as_you_type_the_last_word_is_a_prefix() -> None:
    assert parse("linux kern", prefix_last=True).text == AllOf((t("linux"), t("kern", prefix=True)))
    # A space after it: the word is complete.
    assert parse("linux kern ", prefix_last=True).text == AllOf((t("linux"), t("kern")))
    # Too short to be a useful prefix yet: a whole word.
    assert parse("ke", prefix_last=True).text == t("ke")
    # Only words: a phrase or a filter at the end stays as it is.
    assert parse('"open source"', prefix_last=True).text == t("open source")
    assert parse("tag:new", prefix_last=True).tags == ("new",)


def test_punctuation_alone_is_not_a_word() -> None:
    assert words("linux +++ -- — kernel") == AllOf((t("linux"), t("kernel")))
    assert parse("+++ * -").empty


def test_words_with_punctuation_inside_are_kept_whole() -> None:
    # The index splits them the same way ("e mail", "c"), so they are matched as phrases.
    assert words("e-mail C++ don't") == AllOf((t("e-mail"), t("C++"), t("don't")))


def test_a_lone_minus_is_not_an_exclusion() -> None:
    assert words("state - art") == AllOf((t("state"), t("art")))


def test_double_minus_excludes_the_rest() -> None:
    assert words("linux --help") == AllOf((t("linux"),), (t("-help"),))


def test_words_are_composed_unicode() -> None:
    # "e" + combining acute, as some keyboards send it: the index holds the composed form.
    assert words("cafe\u0301") == t("caf\u00e9")


def test_empty_query() -> None:
    for text in ("", "   ", "\t\n"):
        query = parse(text)
        assert query.empty
        assert query.text is None


def test_the_source_text_is_kept() -> None:
    assert parse("linux  tag:Tech").source == "linux  tag:Tech"


# -- filters -----------------------------------------------------------------------------------


def test_feed_filter_with_a_word_or_quoted_words() -> None:
    query = parse('feed:lwn feed:"Ars Technica" kernel')
    assert query.feeds == ("lwn", "Ars Technica")
    assert query.text == t("kernel")


def test_tag_filter_is_normalized() -> None:
    assert parse('tag:" News / Europe " tag:Tech').tags == ("News/Europe", "Tech")


def test_filter_names_ignore_case() -> None:
    query = parse("TAG:news Is:Unread FEED:lwn")
    assert (query.tags, query.read, query.feeds) == (("news",), False, ("lwn",))


def test_excluded_filters() -> None:
    query = parse("-feed:spamfeed -tag:Sports -is:starred")
    assert query.not_feeds == ("spamfeed",)
    assert query.not_tags == ("Sports",)
    assert query.starred is False
    assert query.text is None


@pytest.mark.parametrize(
    ("text", "read", "starred"),
    [
        ("is:unread", False, None),
        ("is:read", True, None),
        ("-is:read", False, None),
        ("-is:unread", True, None),
        ("is:starred", None, True),
        ("is:unread is:starred", False, True),
        ("is:unread is:unread", False, None),
    ],
)
def test_is_filters(text: str, read: bool | None, starred: bool | None) -> None:
    query = parse(text)
    assert (query.read, query.starred) == (read, starred)


def test_contradicting_is_filters_are_an_error() -> None:
    failure = error("is:read is:unread")
    assert failure.column == 9


@pytest.mark.parametrize(
    ("text", "after", "before"),
    [
        ("after:2026-01-05", date(2026, 1, 5), None),
        ("before:2026-01-06", None, date(2026, 1, 6)),
        ("after:today", TODAY, None),
        ("after:yesterday", date(2026, 11, 22), None),
        ("after:7d", date(2026, 11, 16), None),
        ("after:2w", date(2026, 11, 9), None),
        ("after:7D", date(2026, 11, 16), None),
        # Two of a kind: both must hold, so the narrower one counts.
        ("after:2026-01-01 after:2026-02-01", date(2026, 2, 1), None),
        ("before:2026-01-01 before:2026-02-01", None, date(2026, 1, 1)),
        # Excluding "before a day" is "on or after it", and the other way round.
        ("-before:2026-03-01", date(2026, 3, 1), None),
        ("-after:2026-03-01", None, date(2026, 3, 1)),
    ],
)
def test_day_filters(text: str, after: date | None, before: date | None) -> None:
    query = parse(text)
    assert (query.after, query.before) == (after, before)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-1-5", "20260105", "tomorrow", "7y", "-3d", "99999999d"]
)
def test_bad_days_name_the_filter_and_where(value: str) -> None:
    failure = error(f"linux after:{value}")
    assert failure.column == 7
    assert str(failure).startswith(f'after: needs a day, not "{value}" at column 7')
    assert "2026-01-31" in str(failure)  # the hint shows what a day looks like


def test_filters_only_is_a_query_without_words() -> None:
    query = parse("is:starred tag:news")
    assert query.text is None
    assert query.has_filters
    assert not query.empty


def test_a_url_is_words_not_a_filter() -> None:
    assert words("https://lwn.net/Articles") == t("https://lwn.net/Articles")


def test_a_word_ending_in_a_colon_is_a_word() -> None:
    assert words("Update: kernel") == AllOf((t("Update:"), t("kernel")))


# -- errors say what and where -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ('linux "free software', 7, "unclosed quote"),
        ('feed:"Ars Technica', 6, "unclosed quote"),
        ("(linux kernel", 1, "unclosed parenthesis"),
        ("linux kernel)", 13, "unmatched closing parenthesis"),
        ("linux ()", 7, "empty parentheses"),
        ("OR linux", 1, "OR needs a search term on both sides"),
        ("linux OR", 7, "OR needs a search term on both sides"),
        ("linux OR OR bsd", 7, "OR needs a search term on both sides"),
        ("(linux OR) bsd", 8, "OR needs a search term on both sides"),
        ("AND linux", 1, "AND needs a search term on both sides"),
        ("linux NOT", 7, "NOT needs a search term after it"),
        ("tag: news", 1, "tag: needs a value"),
        ('feed:""', 1, "feed: needs a value"),
        ("is:new", 1, 'is: takes unread, read or starred, not "new"'),
        ("title:linux", 1, 'unknown filter "title:"'),
        ("linux tag:a OR tag:b", 7, "OR cannot join filters such as tag:"),
        ("linux OR is:unread", 10, "OR cannot join filters such as is:"),
        ("(linux tag:news)", 8, "filters such as tag: cannot go inside parentheses"),
        ("linux OR -bsd", 10, "OR cannot join a part that only excludes words"),
        ("a1 OR (-b2)", 7, "OR cannot join a part that only excludes words"),
        ("news -(-sports)", 6, "an excluded group needs a word to exclude"),
    ],
)
def test_errors_name_the_problem_and_the_column(text: str, column: int, reason: str) -> None:
    failure = error(text)
    assert (failure.reason, failure.column) == (reason, column)
    assert str(failure).startswith(f"{reason} at column {column}")
    assert isinstance(failure, ReaderAppError)


def test_unknown_filters_get_a_hint() -> None:
    message = str(error("re:invent"))
    assert "feed:, tag:, is:, before:, after:" in message
    assert "quotes" in message
    assert parse('"re:invent"').text == t("re:invent")


def test_too_long_a_query() -> None:
    failure = error("a" * (MAX_QUERY_CHARS + 1))
    assert failure.column == MAX_QUERY_CHARS + 1
    assert "too long" in failure.reason
    assert parse("a" * MAX_QUERY_CHARS).text == t("a" * MAX_QUERY_CHARS)


def test_too_deep_parentheses() -> None:
    deep = "(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1)
    failure = error(deep)
    assert failure.column == MAX_NESTING + 1
    shallow = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert parse(shallow).text == t("x")


# -- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # FTS5's own syntax is only words here.
        ("NEAR(linux kernel, 3)", AllOf((t("NEAR"), t("linux"), t("kernel,"), t("3")))),
        ("title : linux", AllOf((t("title"), t("linux")))),
        ("{title author}: x1", AllOf((t("{title"), t("author}:"), t("x1")))),
        ("^linux", t("^linux")),
        ("linux + kernel", AllOf((t("linux"), t("kernel")))),
        ("*linux", t("*linux")),
        ("li*nux", t("li*nux")),
        ("linux\x00kernel", AllOf((t("linux"), t("kernel")))),
        ("linux\x02kernel\x03", AllOf((t("linux"), t("kernel")))),
        ("\ud800linux", t("linux")),
        ("'; DROP TABLE entries; --", AllOf((t("DROP"), t("TABLE"), t("entries;")))),
    ],
)
def test_database_syntax_is_only_words(text: str, expected: TextExpr) -> None:
    assert words(text) == expected


def test_a_quote_inside_a_word_starts_a_phrase() -> None:
    assert words('say"hello world"') == AllOf((t("say"), t("hello world")))
    failure = error('5" screen')
    assert (failure.reason, failure.column) == ("unclosed quote", 2)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_fails_with_a_position(text: str) -> None:
    query = parse_or_error(text)
    if isinstance(query, SearchSyntaxError):
        assert 1 <= query.column <= len(text) + 1
        return
    for term in _terms(query.text):
        assert term.text.strip()
        assert not any(ch < " " for ch in term.text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['"', "(", ")", "-", "OR", "NOT", "AND", "a1", "tag:x", " ", "*"])))
def test_any_arrangement_of_operators_parses_or_fails_with_a_position(pieces: list[str]) -> None:
    text = " ".join(pieces)
    query = parse_or_error(text)
    if isinstance(query, SearchSyntaxError):
        assert 1 <= query.column <= len(text) + 1


def parse_or_error(text: str) -> SearchQuery | SearchSyntaxError:
    """Only SearchSyntaxError may come out of the parser: anything else fails the test."""
    try:
        return parse(text, prefix_last=True)
    except SearchSyntaxError as exc:
        return exc


def _terms(expr: TextExpr | None) -> list[Term]:
    if expr is None:
        return []
    if isinstance(expr, Term):
        return [expr]
    if isinstance(expr, AnyOf):
        return [term for part in expr.parts for term in _terms(part)]
    return [term for part in (*expr.include, *expr.exclude) for term in _terms(part)]


# -- snippets ----------------------------------------------------------------------------------


def test_split_highlights() -> None:
    snippet = f"a {HIGHLIGHT_START}parser{HIGHLIGHT_END} and {HIGHLIGHT_START}more{HIGHLIGHT_END}"
    assert split_highlights(snippet) == [
        ("a ", False),
        ("parser", True),
        (" and ", False),
        ("more", True),
    ]
    assert split_highlights("plain") == [("plain", False)]
    assert split_highlights("") == []
    # A marker left open (a snippet cut mid-word) still shows its text.
    assert split_highlights(f"x {HIGHLIGHT_START}y") == [("x ", False), ("y", True)]
