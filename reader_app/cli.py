"""The headless command line: the same library the window uses, one subcommand per use case.

Exit codes: 0 done; 1 some items failed (each named on stderr) or the environment failed
(disk full, database locked); 2 bad usage or bad input. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from reader_app import __version__
from reader_app.app import AppContext, load_context, log_to_file, open_library, sync_options
from reader_app.domain import (
    EntryItem,
    EntryQuery,
    Feed,
    FeedSummary,
    StateChange,
    TagSummary,
    normalize_tag,
)
from reader_app.domain.retention import (
    MAX_KEEP_DAYS,
    MAX_KEEP_PER_FEED,
    PruneReport,
    RetentionPolicy,
)
from reader_app.domain.saved_search import SavedSearch
from reader_app.domain.search import SearchHit, SearchOrder, split_highlights
from reader_app.domain.tags import InvalidTagError
from reader_app.errors import (
    DatabaseDamagedError,
    FeedNotFoundError,
    InvalidFeedUrlError,
    NoFeedFoundError,
    OpmlError,
    ReaderAppError,
    SavedSearchNotFoundError,
    SearchSyntaxError,
    SettingsError,
    StateFileError,
)
from reader_app.files import write_atomically
from reader_app.library import MAX_STATE_FILE_BYTES, Library, retention_policy

if TYPE_CHECKING:
    from reader_app.sync import SyncProgress

log = logging.getLogger(__name__)

PROG = "reader-app"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer
_PAGE = 10_000  # rows per keyset page when a listing asks for more

# Errors that mean "what you typed or gave me is wrong" rather than "something failed".
_BAD_INPUT = (
    InvalidFeedUrlError,
    FeedNotFoundError,
    NoFeedFoundError,
    OpmlError,
    SettingsError,
    InvalidTagError,
    SearchSyntaxError,
    SavedSearchNotFoundError,
    StateFileError,
)


class UsageError(Exception):
    """Raised instead of argparse's exit so every error leaves through one place."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


Handler = Callable[[Library, argparse.Namespace, TextIO, TextIO], int]
# Commands that work on the library file itself, damaged or not, without opening it as a library.
FileHandler = Callable[[AppContext, argparse.Namespace, TextIO, TextIO], int]


def _add_common(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a value given before the subcommand from being reset by the subparser.
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="keep the library, settings, cache and logs in DIR (also: READER_APP_HOME)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A fast, keyboard-driven, private news reader. "
        "Run a subcommand to manage the library from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_common(p)
        p.set_defaults(handler=handler)
        return p

    p = command("add", "subscribe to a feed, or to a feed a web page links to", _cmd_add)
    p.add_argument("url", metavar="URL", help="a feed's URL or a web site's page")
    p.add_argument("--tag", "-t", action="append", default=[], metavar="TAG", help="repeatable")
    p.add_argument("--title", help="your own title for the feed")
    p.add_argument(
        "--pick", type=_positive_int, metavar="N", help="which of several feeds a page links to"
    )
    p.add_argument(
        "--no-check", action="store_true", help="subscribe to URL as given, without fetching it"
    )

    p = command("remove", "unsubscribe from a feed and delete its articles", _cmd_remove)
    p.add_argument("feed", metavar="FEED", help="feed id or URL")

    p = command("feeds", "list feeds with tags, unread counts and last error", _cmd_feeds)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("tags", "list tags with feed and unread counts", _cmd_tags)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("tag", "add tags to a feed ('/' nests: News/Europe)", _cmd_tag)
    p.add_argument("feed", metavar="FEED", help="feed id or URL")
    p.add_argument("tags", metavar="TAG", nargs="+")

    p = command("untag", "remove tags from a feed", _cmd_tag)
    p.add_argument("feed", metavar="FEED", help="feed id or URL")
    p.add_argument("tags", metavar="TAG", nargs="+")

    p = command("import-opml", "subscribe to the feeds of an OPML file", _cmd_import)
    p.add_argument("file", metavar="FILE", help="OPML file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = command("export-opml", "write subscriptions as OPML 2.0", _cmd_export)
    p.add_argument("file", metavar="FILE", nargs="?", default="-", help="default: standard output")

    _state_commands(command)

    _articles_command(command)
    _search_arguments(command("search", "search articles, best match first", _cmd_search))
    _saved_search_commands(command)

    p = command("sync", "update the feeds that are due (all with --all)", _cmd_sync)
    p.add_argument("--all", action="store_true", help="update every feed, due or not")
    p.add_argument("--feed", action="append", default=[], metavar="FEED", help="repeatable")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="repeatable")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    _prune_command(command)

    _file_commands(sub)

    for name, help_text in (
        ("mark-read", "mark articles read"),
        ("mark-unread", "mark articles unread"),
        ("star", "star articles"),
        ("unstar", "remove the star from articles"),
    ):
        p = command(name, help_text, _cmd_state)
        p.add_argument("ids", metavar="ID", nargs="+", type=_positive_int, help="article ids")
    return parser


def _prune_command(command: Callable[[str, str, Handler], argparse.ArgumentParser]) -> None:
    """Retention by hand; ``sync`` also prunes with the settings after each run."""
    p = command(
        "prune",
        "delete old articles as the retention settings and the feeds' own limits say",
        _cmd_prune,
    )
    p.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    p.add_argument(
        "--keep-days",
        type=_int_between(0, MAX_KEEP_DAYS),
        metavar="N",
        help="override the global retention.keep_days (0: no age limit); a feed with its "
        "own limit (see feed-retention) keeps it",
    )
    p.add_argument(
        "--keep-per-feed",
        type=_int_between(0, MAX_KEEP_PER_FEED),
        metavar="N",
        help="override the global retention.keep_per_feed (0: no limit); a feed with its "
        "own limit (see feed-retention) keeps it",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = command(
        "feed-retention",
        "show or set how long and how many articles one feed keeps",
        _cmd_feed_retention,
    )
    p.add_argument("feed", metavar="FEED", help="feed id or URL")
    p.add_argument(
        "--keep-days",
        type=_limit_or_global(MAX_KEEP_DAYS),
        metavar="N|global",
        help="delete this feed's articles older than N days (0: keep them forever); "
        "global: follow retention.keep_days",
    )
    p.add_argument(
        "--keep-per-feed",
        type=_limit_or_global(MAX_KEEP_PER_FEED),
        metavar="N|global",
        help="keep this feed's newest N articles (0: no limit); "
        "global: follow retention.keep_per_feed",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


_GLOBAL = "global"  # feed-retention's word for "follow the global setting"


def _limit_or_global(maximum: int) -> Callable[[str], int | str]:
    def parse(text: str) -> int | str:
        if text.strip().casefold() == _GLOBAL:
            return _GLOBAL
        try:
            value = int(text)
        except ValueError:
            value = -1
        if not 0 <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{text!r} is neither a whole number from 0 to {maximum} nor 'global'"
            )
        return value

    return parse


def _articles_command(command: Callable[[str, str, Handler], argparse.ArgumentParser]) -> None:
    p = command("articles", "list articles, newest first", _cmd_articles)
    p.add_argument("--feed", action="append", default=[], metavar="FEED", help="repeatable")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="repeatable")
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument("--starred", action="store_true", help="only starred articles")
    p.add_argument("--saved", metavar="NAME", help="only the articles a saved search finds")
    p.add_argument("--oldest-first", action="store_true")
    p.add_argument("--limit", type=_positive_int, default=50, metavar="N", help="default: 50")
    p.add_argument("--json", action="store_true", help="print JSON")


def _saved_search_commands(
    command: Callable[[str, str, Handler], argparse.ArgumentParser],
) -> None:
    """Saved searches: the feed list shows them as views with unread counts."""
    p = command("saved-searches", "list saved searches with unread counts", _cmd_saved_searches)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("save-search", "keep a search as a view with an unread count", _cmd_save_search)
    p.add_argument("name", metavar="NAME")
    p.add_argument("query", metavar="QUERY", nargs="+", help="as for search (quote it)")

    p = command("edit-search", "rename a saved search or change its query", _cmd_edit_search)
    p.add_argument("name", metavar="NAME", help="the saved search's name or id")
    p.add_argument("--name", dest="new_name", metavar="NEW_NAME")
    p.add_argument("--query", metavar="QUERY")

    p = command(
        "remove-search", "forget a saved search (no article is deleted)", _cmd_remove_search
    )
    p.add_argument("name", metavar="NAME", help="the saved search's name or id")


def _state_commands(command: Callable[[str, str, Handler], argparse.ArgumentParser]) -> None:
    """Read and starred marks as a JSON file (storage/state.py describes it)."""
    p = command("export-state", "write read and starred marks as JSON", _cmd_export_state)
    p.add_argument("file", metavar="FILE", help="JSON file, or - for standard output")

    p = command("import-state", "add the read and starred marks of a JSON file", _cmd_import_state)
    p.add_argument("file", metavar="FILE", help="JSON file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def _file_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    """Commands on the library file itself: they work on a damaged file, never opening it."""
    p = sub.add_parser("backup", help="copy the library to FILE (safe while it is in use)")
    _add_common(p)
    p.set_defaults(file_handler=_cmd_backup)
    p.add_argument("file", metavar="FILE", help="the copy to write; must not exist")

    p = sub.add_parser(
        "restore",
        help="put a backup in place of the library (the window must be closed)",
        description="Put a backup in place of the library. The current library file is not "
        "deleted: it is renamed LIBRARY.replaced-TIME. Close the window first.",
    )
    _add_common(p)
    p.set_defaults(file_handler=_cmd_restore)
    p.add_argument(
        "file", metavar="FILE", nargs="?", help="default: the newest good automatic backup"
    )

    p = sub.add_parser("check", help="check the library file for damage (exit 1 if damaged)")
    _add_common(p)
    p.set_defaults(file_handler=_cmd_check)

    p = sub.add_parser(
        "recover",
        help="copy what can still be read from a damaged library into a new library file",
        description="Copy every readable feed, tag and article of the library into NEW_FILE; "
        "the library itself is only read. Then 'restore NEW_FILE' puts it in place.",
    )
    _add_common(p)
    p.set_defaults(file_handler=_cmd_recover)
    p.add_argument("file", metavar="NEW_FILE", help="the new library to write; must not exist")


def _search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "query",
        metavar="QUERY",
        nargs="+",
        help='words, "phrases", -word, OR, feed:NAME, tag:T, is:unread|read|starred, '
        "before:DAY, after:DAY (quote the whole query for the shell)",
    )
    p.add_argument("--newest-first", action="store_true", help="newest first, not best match")
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="default: 20")
    p.add_argument("--json", action="store_true", help="print JSON")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 2**62:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range")
    return value


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not between {low} and {high}")
        return value

    return parse


WindowLauncher = Callable[[AppContext], int]


def run(
    argv: Sequence[str],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    window: WindowLauncher | None = None,
) -> int:
    """Run one command line. Without a subcommand, ``window`` opens the reading window
    (the entry point passes it; the command line itself never imports Qt)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except UsageError as exc:
        print(_one_line(str(exc), 500), file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version have printed and "exited"
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if getattr(args, "handler", None) is None and window is None and "file_handler" not in args:
        parser.print_help(out)
        return EXIT_OK
    try:
        context = load_context(getattr(args, "data_dir", None))
    except ReaderAppError as exc:
        print(f"{PROG}: error: {_one_line(str(exc), 500)}", file=err)
        return EXIT_FAILED
    with log_to_file(context.paths) as log_warning:
        if getattr(args, "handler", None) is None and "file_handler" not in args:
            assert window is not None
            if log_warning:
                context = replace(context, warnings=(*context.warnings, log_warning))
            return window(context)
        return _run_command(args, context, log_warning, out, err)


def _run_command(
    args: argparse.Namespace,
    context: AppContext,
    log_warning: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    for warning in (*context.warnings, *([log_warning] if log_warning else [])):
        print(f"{PROG}: warning: {_one_line(warning, 500)}", file=err)
    args.sync_options = sync_options(context.settings) if args.command in ("add", "sync") else None
    args.retention = retention_policy(context.settings)
    try:
        if "file_handler" in args:
            file_handler: FileHandler = args.file_handler
            return file_handler(context, args, out, err)
        with open_library(context) as library:
            handler: Handler = args.handler
            return handler(library, args, out, err)
    except _BAD_INPUT as exc:
        print(f"{PROG}: error: {_one_line(str(exc), 500)}", file=err)
        return EXIT_USAGE
    except ReaderAppError as exc:
        print(f"{PROG}: error: {_one_line(str(exc), 500)}", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=err)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`reader-app articles | head`): not an error.
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug: one line for the user, the traceback in the log
        log.exception("unexpected error in %s", args.command)
        message = _one_line(f"{type(exc).__name__}: {exc}", 300)
        print(f"{PROG}: internal error: {message} (details in {context.paths.log_file})", file=err)
        return EXIT_FAILED


# Output helpers. Handlers write results to stdout; ``err`` is for problems only.


def _emit_json(out: TextIO, value: object) -> None:
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _one_line(text: str | None, width: int) -> str:
    """Feed text is untrusted: no control characters reach the terminal, and it fits."""
    clean = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    clean = " ".join(clean.split())
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def _feed_json(summary: FeedSummary) -> dict[str, object]:
    feed = summary.feed
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.display_title,
        "site_url": feed.site_url,
        "tags": list(feed.tags),
        "unread": summary.unread_count,
        "updates_enabled": feed.updates_enabled,
        "last_fetched": _iso(feed.last_fetched),
        "error_count": feed.error_count,
        "last_error": feed.last_error,
        "last_error_at": _iso(feed.last_error_at),
        # The feed's own retention; null follows the global setting, 0 is no limit.
        "keep_days": feed.keep_days,
        "keep_per_feed": feed.keep_per_feed,
    }


def _tag_json(tag: TagSummary) -> dict[str, object]:
    return {"name": tag.name, "feeds": tag.feed_count, "unread": tag.unread_count}


def _entry_json(item: EntryItem) -> dict[str, object]:
    return {
        "id": item.id,
        "feed_id": item.feed_id,
        "feed": item.feed_title,
        "title": item.title,
        "link": item.link,
        "author": item.author,
        "published": _iso(item.published),
        "date": _iso(item.sort_at),
        "read": item.read,
        "starred": item.starred,
    }


# Subcommands


def _show_tags(tags: tuple[str, ...]) -> str:
    return f" [{', '.join(_one_line(t, 60) for t in tags)}]" if tags else ""


def _show_feed(feed: Feed) -> str:
    return f"{feed.id}: {_one_line(feed.url, 200)}{_show_tags(feed.tags)}"


def _cmd_add(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.discovery import FoundBy

    if args.no_check:
        feed = library.add_feed(args.url, tags=args.tag, user_title=args.title)
        print(f"added {_show_feed(feed)}", file=out)
        return EXIT_OK
    for tag in args.tag:  # refuse a bad tag before going to the network
        normalize_tag(tag)
    found = library.discover(args.url, options=args.sync_options).candidates
    if len(found) > 1 and args.pick is None:
        print(f"{len(found)} feeds found at {_one_line(args.url, 200)}:", file=out)
        for number, candidate in enumerate(found, start=1):
            title = _one_line(candidate.title or "(untitled)", 60)
            print(f"  {number}. {title}  {_one_line(candidate.url, 200)}", file=out)
        print(f"{PROG}: error: several feeds found; choose one with --pick N", file=err)
        return EXIT_USAGE
    index = (args.pick or 1) - 1
    if index >= len(found):
        print(f"{PROG}: error: --pick {args.pick}: only {len(found)} found", file=err)
        return EXIT_USAGE
    chosen = found[index]
    if chosen.found_by is FoundBy.UNCHECKED:
        note = _one_line(chosen.note or "no answer", 200)
        print(f"{PROG}: warning: could not check the feed ({note}); added as given", file=err)
    feed = library.add_feed(chosen.url, tags=args.tag, title=chosen.title, user_title=args.title)
    print(f"added {_show_feed(feed)}", file=out)
    return EXIT_OK


def _cmd_remove(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    feed = library.feed(args.feed)
    library.remove_feed(feed.id)
    print(f"removed {feed.id}: {_one_line(feed.url, 200)}", file=out)
    return EXIT_OK


def _cmd_feeds(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    feeds = library.feeds()
    if args.json:
        _emit_json(out, [_feed_json(s) for s in feeds])
        return EXIT_OK
    for s in feeds:
        feed = s.feed
        title = _one_line(feed.display_title, 40)
        line = f"{feed.id:>5}  {s.unread_count:>6}  {title:<40}  {_one_line(feed.url, 200)}"
        line += _show_tags(feed.tags)
        if not feed.updates_enabled:
            line += "  (updates stopped)"
        if feed.last_error:
            line += f"  ! {_one_line(feed.last_error, 80)}"
        print(line, file=out)
    return EXIT_OK


def _cmd_tags(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    tags = library.tags()
    if args.json:
        _emit_json(out, [_tag_json(t) for t in tags])
        return EXIT_OK
    for tag in tags:
        name = _one_line(tag.name, 200)
        print(f"{tag.feed_count:>5} feeds  {tag.unread_count:>6} unread  {name}", file=out)
    return EXIT_OK


def _cmd_tag(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "tag":
        library.tag_feed(args.feed, args.tags)
    else:
        library.untag_feed(args.feed, args.tags)
    print(_show_feed(library.feed(args.feed)), file=out)
    return EXIT_OK


def _read_input(name: str) -> tuple[bytes, str]:
    if name == "-":
        return sys.stdin.buffer.read(), "standard input"
    path = Path(name)
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc})"
        raise OpmlError(reason, source=str(path)) from None


def _cmd_import(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    data, source = _read_input(args.file)
    report = library.import_opml(data, source=source)
    if args.json:
        skipped = [
            {"title": s.title, "url": s.url, "line": s.line, "reason": s.reason}
            for s in report.skipped
        ]
        summary = {
            "added": list(report.added),
            "already_subscribed": list(report.already_subscribed),
            "skipped": skipped,
        }
        _emit_json(out, summary)
    else:
        print(
            f"imported {len(report.added)} feeds, {len(report.already_subscribed)} already "
            f"subscribed, {len(report.skipped)} skipped",
            file=out,
        )
    for skip in report.skipped:
        where = f"line {skip.line}" if skip.line is not None else "?"
        what = _one_line(skip.url or skip.title or "(untitled outline)", 100)
        print(f"{PROG}: skipped {source}, {where}: {what}: {skip.reason}", file=err)
    # Outlines that could not be imported are items that failed, each named above.
    return EXIT_FAILED if report.skipped else EXIT_OK


def _cmd_export(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    data = library.export_opml()
    if args.file == "-":
        out.write(data.decode("utf-8"))
        out.flush()
        return EXIT_OK
    path = Path(args.file)
    try:
        path.write_bytes(data)
    except OSError as exc:
        print(f"{PROG}: error: cannot write {path}: {exc.strerror or exc}", file=err)
        return EXIT_FAILED
    print(f"exported {len(library.feeds())} feeds to {path}", file=out)
    return EXIT_OK


def _cmd_export_state(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    exported = library.export_state()
    if args.file == "-":
        out.write(exported.data.decode("utf-8"))
        out.flush()
        return EXIT_OK
    path = Path(args.file)
    try:
        write_atomically(path, exported.data)
    except OSError as exc:
        print(f"{PROG}: error: cannot write {path}: {exc.strerror or exc}", file=err)
        return EXIT_FAILED
    print(f"exported {exported.articles} articles to {path}", file=out)
    return EXIT_OK


def _read_state_file(name: str) -> tuple[bytes, str]:
    """The bytes of a state file, refusing one over the size cap before reading it."""
    limit = MAX_STATE_FILE_BYTES
    too_large = f"larger than {limit // (1024 * 1024)} MB"
    if name == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise StateFileError(too_large, "standard input")
        return data, "standard input"
    path = Path(name)
    try:
        if path.stat().st_size > limit:
            raise StateFileError(too_large, str(path))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # the file may have grown since stat
    except OSError as exc:
        raise StateFileError(f"cannot read the file ({exc.strerror or exc})", str(path)) from None
    if len(data) > limit:
        raise StateFileError(too_large, str(path))
    return data, str(path)


def _cmd_import_state(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    data, source = _read_state_file(args.file)
    report = library.import_state(data, source=source)
    if args.json:
        summary = {
            "matched": report.matched,
            "marked_read": report.marked_read,
            "starred": report.starred,
            "unmatched": report.unmatched,
            "skipped": report.skipped,
            "skip_reasons": list(report.skip_reasons),
        }
        _emit_json(out, summary)
    else:
        print(
            f"matched {report.matched} articles: {report.marked_read} marked read, "
            f"{report.starred} starred; {report.unmatched} not found, "
            f"{report.skipped} invalid items skipped",
            file=out,
        )
    for reason in report.skip_reasons:
        print(f"{PROG}: skipped {source}, {_one_line(reason, 300)}", file=err)
    if report.skipped > len(report.skip_reasons):
        print(f"{PROG}: ... and {report.skipped - len(report.skip_reasons)} more", file=err)
    # Articles this library does not have are normal between readers: still a success.
    return EXIT_OK


def _cmd_articles(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = EntryQuery(
        feed_ids=frozenset(library.resolve_feed(ref) for ref in args.feed),
        tags=frozenset(normalize_tag(tag) for tag in args.tag),
        saved_search=None if args.saved is None else _saved_search(library, args.saved).id,
        unread_only=args.unread,
        starred_only=args.starred,
        newest_first=not args.oldest_first,
        limit=min(args.limit, _PAGE),
    )
    items: list[EntryItem] = []
    page = library.entries(query)
    items.extend(page.entries)
    # --limit above one page: keep paging with the keyset cursor.
    while page.next_cursor is not None and len(items) < args.limit:
        remaining = min(args.limit - len(items), _PAGE)
        page = library.entries(replace(query, limit=remaining, after=page.next_cursor))
        items.extend(page.entries)
    if args.json:
        _emit_json(out, [_entry_json(item) for item in items])
        return EXIT_OK
    for item in items:
        flags = ("•" if not item.read else " ") + ("★" if item.starred else " ")
        date = item.sort_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = _one_line(item.title or item.link or "(untitled)", 100)
        print(
            f"{item.id:>7} {flags} {date}  {_one_line(item.feed_title, 24):<24}  {title}", file=out
        )
    return EXIT_OK


def _show_snippet(snippet: str) -> str:
    """A snippet for a terminal: matched words in [brackets], one clean line."""
    runs = split_highlights(snippet)
    return _one_line("".join(f"[{text}]" if marked else text for text, marked in runs), 200)


def _hit_json(hit: SearchHit) -> dict[str, object]:
    """An article as ``articles --json`` shows it, with its snippet as plain text and the
    [start, end) character ranges of the matched words in it."""
    text, highlights = "", []
    for run, marked in split_highlights(hit.snippet):
        if marked:
            highlights.append([len(text), len(text) + len(run)])
        text += run
    return {**_entry_json(hit.item), "snippet": text, "highlights": highlights}


def _cmd_search(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = library.parse_search(" ".join(args.query))
    if query.empty:
        print(f"{PROG}: error: nothing to search for: give words or filters", file=err)
        return EXIT_USAGE
    order = SearchOrder.NEWEST if args.newest_first else SearchOrder.RELEVANCE
    hits: list[SearchHit] = []
    offset: int | None = 0
    while offset is not None and len(hits) < args.limit:
        page = library.search(
            query, limit=min(args.limit - len(hits), _PAGE), offset=offset, order=order
        )
        hits.extend(page.hits)
        offset = page.next_offset
    if args.json:
        _emit_json(out, [_hit_json(hit) for hit in hits])
        return EXIT_OK
    if not hits:
        print("no matches", file=out)
    for hit in hits:
        item = hit.item
        flags = ("•" if not item.read else " ") + ("★" if item.starred else " ")
        date = item.sort_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = _one_line(item.title or item.link or "(untitled)", 100)
        print(
            f"{item.id:>7} {flags} {date}  {_one_line(item.feed_title, 24):<24}  {title}", file=out
        )
        snippet = _show_snippet(hit.snippet)
        if snippet:
            print(f"{'':>10}{snippet}", file=out)
    return EXIT_OK


def _saved_search(library: Library, ref: str) -> SavedSearch:
    """A saved search named on the command line: by name, or by id if no name matches."""
    try:
        return library.saved_search(ref)
    except SavedSearchNotFoundError:
        if ref.isascii() and ref.isdecimal():
            return library.saved_search(int(ref))
        raise


def _saved_search_json(search: SavedSearch) -> dict[str, object]:
    return {"id": search.id, "name": search.name, "query": search.query,
            "unread_count": search.unread_count}  # fmt: skip


def _cmd_saved_searches(
    library: Library, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    searches = library.saved_searches()
    if args.json:
        _emit_json(out, [_saved_search_json(search) for search in searches])
        return EXIT_OK
    if not searches:
        print("no saved searches (save one with: reader-app save-search NAME QUERY)", file=out)
    for search in searches:
        name = _one_line(search.name, 30)
        print(f"{search.id:>5} {search.unread_count:>7}  {name:<30}  {search.query}", file=out)
    return EXIT_OK


def _cmd_save_search(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        search = library.save_search(args.name, " ".join(args.query))
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_USAGE
    print(f"saved {search.name!r}: {search.unread_count} unread", file=out)
    return EXIT_OK


def _cmd_edit_search(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.new_name is None and args.query is None:
        print(f"{PROG}: error: give --name, --query or both", file=err)
        return EXIT_USAGE
    current = _saved_search(library, args.name)
    try:
        search = library.edit_saved_search(current.id, name=args.new_name, query=args.query)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_USAGE
    print(f"saved {search.name!r}: {search.unread_count} unread", file=out)
    return EXIT_OK


def _cmd_remove_search(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    search = _saved_search(library, args.name)
    library.remove_saved_search(search.id)
    print(f"removed the saved search {search.name!r}", file=out)
    return EXIT_OK


class _SyncProgressPrinter:
    """A bar on a terminal, one line per feed otherwise (logs, pipes, CI)."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._tty = err.isatty()

    def __call__(self, progress: SyncProgress) -> None:
        result = progress.result
        title = _one_line(result.title or result.url, 50)
        what = result.outcome.value.replace("_", " ")
        if result.new_entries:
            what += f", {result.new_entries} new"
        if result.error:
            what += f": {_one_line(result.error, 120)}"
        counter = f"[{progress.done}/{progress.total}]"
        if self._tty:
            width = 30
            filled = width * progress.done // max(progress.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self._err.write(f"\r\x1b[K{bar} {counter} {title}")
            if result.error:  # failures stay on screen above the bar
                self._err.write(f"\r\x1b[K{title}: {what}\n")
        else:
            self._err.write(f"{counter} {title}: {what}\n")
        self._err.flush()

    def finish(self) -> None:
        if self._tty:
            self._err.write("\r\x1b[K")
            self._err.flush()


def _cmd_sync(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.sync import SyncSelection

    feed_ids = frozenset(library.resolve_feed(ref) for ref in args.feed)
    tags = frozenset(normalize_tag(tag) for tag in args.tag)
    selection = SyncSelection(feed_ids=feed_ids, tags=tags, force=args.all or bool(feed_ids))
    printer = _SyncProgressPrinter(err)
    report = library.update_feeds(selection, options=args.sync_options, on_progress=printer)
    printer.finish()
    summary = {
        "feeds": report.total,
        "updated": report.updated,
        "not_modified": report.not_modified,
        "failed": report.failed,
        "new_entries": report.new_entries,
        "cancelled": report.cancelled,
        "failures": [
            {"feed_id": r.feed_id, "url": r.url, "error": r.error}
            for r in report.results
            if r.error
        ],
    }
    if args.json:
        _emit_json(out, summary)
    else:
        print(
            f"{report.total} feeds: {report.updated} updated, {report.not_modified} not modified, "
            f"{report.failed} failed, {report.new_entries} new articles"
            + (" (interrupted)" if report.cancelled else ""),
            file=out,
        )
    if report.cancelled:
        return 130
    _prune_after_sync(library, args.retention, out, err)
    _daily_backup(library, err)
    return EXIT_FAILED if report.failed else EXIT_OK


def _prune_after_sync(library: Library, policy: RetentionPolicy, out: TextIO, err: TextIO) -> None:
    # After the sync so a feed's newest articles count towards its limit, before the daily
    # backup so the copy is the smaller file. A failure here must not fail the sync itself.
    if not policy.active:
        return
    try:
        report = library.prune(policy)
    except ReaderAppError as exc:
        print(f"{PROG}: warning: no pruning: {_one_line(str(exc), 400)}", file=err)
        return
    if report.total:
        print(f"pruned {report.total} old articles", file=err)


def _cmd_prune(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy: RetentionPolicy = args.retention
    if args.keep_days is not None:
        policy = replace(policy, keep_days=args.keep_days)
    if args.keep_per_feed is not None:
        policy = replace(policy, keep_per_feed=args.keep_per_feed)
    report = library.prune(policy, dry_run=args.dry_run)
    if args.json:
        _emit_json(out, _prune_summary(library, report.policy, report))
        return EXIT_OK
    if not report.policy.active:
        print(
            "retention is off (keep_days and keep_per_feed are 0, and no feed has a limit of "
            "its own): nothing to prune",
            file=out,
        )
        return EXIT_OK
    verb = "would delete" if report.dry_run else "deleted"
    print(f"{verb} {report.total} articles", file=out)
    titles = {s.feed.id: s.feed.display_title for s in library.feeds(report.per_feed)}
    for feed_id, count in sorted(report.per_feed.items(), key=lambda item: -item[1]):
        print(f"  {count:>7}  {_one_line(titles.get(feed_id, str(feed_id)), 100)}", file=out)
    return EXIT_OK


def _cmd_feed_retention(
    library: Library, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    feed = library.feed(args.feed)
    # Only the options given: None (from "global") is a value, a missing option is not.
    # Any: each key is one keyword of set_feed_options.
    options: dict[str, Any] = {
        name: None if value == _GLOBAL else value
        for name, value in (("keep_days", args.keep_days), ("keep_per_feed", args.keep_per_feed))
        if value is not None
    }
    if options:
        library.set_feed_options(feed.id, **options)
        feed = library.feed(feed.id)
    policy: RetentionPolicy = args.retention
    retention = policy.for_feed(feed)
    if args.json:
        _emit_json(
            out,
            {
                "feed_id": feed.id,
                "url": feed.url,
                "keep_days": retention.keep_days,
                "keep_days_from": "feed" if retention.days_from_feed else "global",
                "keep_per_feed": retention.keep_per_feed,
                "keep_per_feed_from": "feed" if retention.per_feed_from_feed else "global",
                "keep_unread": policy.keep_unread,
            },
        )
        return EXIT_OK

    def source(own: bool, key: str) -> str:
        return "this feed's own" if own else f"global setting {key}"

    days = f"{retention.keep_days} days" if retention.keep_days else "forever"
    count = f"{retention.keep_per_feed:,} articles" if retention.keep_per_feed else "no limit"
    unread = "kept" if policy.keep_unread else "pruned like read ones"
    print(_show_feed(feed), file=out)
    print(
        f"  keep for:     {days} ({source(retention.days_from_feed, 'retention.keep_days')})",
        file=out,
    )
    print(
        f"  keep at most: {count} "
        f"({source(retention.per_feed_from_feed, 'retention.keep_per_feed')})",
        file=out,
    )
    print(
        f"  unread:       {unread} (global setting retention.keep_unread); starred: always kept",
        file=out,
    )
    return EXIT_OK


def _prune_summary(library: Library, policy: RetentionPolicy, report: PruneReport) -> object:
    urls = {s.feed.id: s.feed.url for s in library.feeds(report.per_feed)}
    return {
        "dry_run": report.dry_run,
        "keep_days": policy.keep_days,
        "keep_per_feed": policy.keep_per_feed,
        "keep_unread": policy.keep_unread,
        "feed_limits": policy.feed_limits,  # whether some feed has a limit of its own
        "total": report.total,
        "feeds": [
            {"feed_id": feed_id, "url": urls.get(feed_id), "deleted": count}
            for feed_id, count in sorted(report.per_feed.items())
        ],
    }


def _daily_backup(library: Library, err: TextIO) -> None:
    # A sync run from cron is how a library without the window open still gets backed up.
    try:
        library.daily_backup()
    except ReaderAppError as exc:
        print(f"{PROG}: warning: no daily backup: {_one_line(str(exc), 400)}", file=err)


def _cmd_backup(context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.storage.backup import check_integrity, make_backup

    database = context.paths.database
    if database.is_file():
        # A copy of a damaged file would pass for a good backup later.
        problems = check_integrity(database)
        if problems:
            raise DatabaseDamagedError(database, problems)
    target = make_backup(database, Path(args.file).expanduser().absolute())
    print(f"backed up {database} to {target}", file=out)
    return EXIT_OK


def _cmd_restore(context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.storage.backup import latest_good_backup, restore_backup

    database = context.paths.database
    if args.file is None:
        latest = latest_good_backup(database, context.paths.backup_dir)
        if latest is None:
            print(
                f"{PROG}: error: no good backup in {context.paths.backup_dir}; name one: "
                f"{PROG} restore FILE",
                file=err,
            )
            return EXIT_FAILED
        source = latest.path
    else:
        source = Path(args.file).expanduser().absolute()
    moved = restore_backup(source, database)
    print(f"restored {database} from {source}", file=out)
    for path in moved:
        print(f"moved aside: {path}", file=out)
    return EXIT_OK


def _cmd_recover(context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.storage.backup import recover

    database = context.paths.database
    if not database.is_file():
        print(f"{PROG}: error: there is no library at {database}", file=err)
        return EXIT_FAILED
    report = recover(database, Path(args.file).expanduser().absolute())
    copied, unreadable = report.copied, sum(report.unreadable.values())
    print(
        f"recovered {copied['feeds']} feeds, {copied['entries']} articles and {copied['tags']} "
        f"tags into {report.target}"
        + (f" ({unreadable} unreadable stretches skipped)" if unreadable else ""),
        file=out,
    )
    print(f"to use it: {PROG} restore {report.target}", file=out)
    return EXIT_OK


def _cmd_check(context: AppContext, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reader_app.storage.backup import check_integrity

    database = context.paths.database
    if not database.exists():
        print(f"{database}: no library yet", file=out)
        return EXIT_OK
    problems = check_integrity(database)
    if not problems:
        print(f"{database}: ok", file=out)
        return EXIT_OK
    for problem in problems:
        print(problem, file=out)
    print(
        f"{PROG}: error: {_one_line(str(DatabaseDamagedError(database, problems)), 500)}", file=err
    )
    return EXIT_FAILED


def _cmd_state(library: Library, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ids = list(dict.fromkeys(args.ids))
    result: StateChange
    if args.command in ("mark-read", "mark-unread"):
        result = library.mark_read(ids, args.command == "mark-read")
    else:
        result = library.set_starred(ids, args.command == "star")
    for missing in result.missing:
        print(f"{PROG}: error: no article with id {missing}", file=err)
    done = len(ids) - len(result.missing)
    print(f"{args.command}: {done} articles ({len(result.changes.entries)} changed)", file=out)
    return EXIT_FAILED if result.missing else EXIT_OK
