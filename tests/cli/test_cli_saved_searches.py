"""``reader-app saved-searches``, ``save-search``, ``edit-search``, ``remove-search`` and
``articles --saved``: saved searches from the command line, on a real library file."""

from __future__ import annotations

import json
from pathlib import Path

from reader_app.library import Library
from tests.cli import test_cli_search as search_cli
from tests.support.cli import run_in

# The search commands' library (two feeds, a read and a starred article) serves these too.
data_dir = search_cli.data_dir
cli = run_in


def test_save_list_and_show_articles(data_dir: Path) -> None:
    saved = cli(data_dir, "save-search", "Kernel", "kernel -is:starred")
    assert saved.code == 0, saved.err
    assert saved.out == "saved 'Kernel': 1 unread\n"  # one read, the starred one excluded
    listed = cli(data_dir, "saved-searches", "--json")
    assert listed.code == 0
    [search] = json.loads(listed.out)
    assert search["name"] == "Kernel"
    assert search["query"] == "kernel -is:starred"
    assert search["unread_count"] == 1
    plain = cli(data_dir, "saved-searches")
    assert "Kernel" in plain.out
    assert "kernel -is:starred" in plain.out
    articles = cli(data_dir, "articles", "--saved", "kernel", "--json")
    assert articles.code == 0, articles.err
    assert sorted(a["title"] for a in json.loads(articles.out)) == [
        "Filesystems",
        "Kernel scheduler",
    ]
    by_id = cli(data_dir, "articles", "--saved", str(search["id"]), "--unread", "--json")
    assert [a["title"] for a in json.loads(by_id.out)] == ["Kernel scheduler"]


def test_the_count_follows_marks_made_elsewhere(data_dir: Path) -> None:
    cli(data_dir, "save-search", "Kernel", "kernel")
    with Library.open(data_dir / "library.sqlite3") as library:
        unread = list(library.search_ids("kernel is:unread"))
        library.mark_read(unread)
    [search] = json.loads(cli(data_dir, "saved-searches", "--json").out)
    assert search["unread_count"] == 0


def test_edit_and_remove(data_dir: Path) -> None:
    cli(data_dir, "save-search", "Kernel", "kernel")
    edited = cli(data_dir, "edit-search", "kernel", "--name", "Bread", "--query", "sourdough")
    assert edited.code == 0, edited.err
    assert edited.out == "saved 'Bread': 1 unread\n"
    nothing = cli(data_dir, "edit-search", "Bread")
    assert nothing.code == 2
    assert "give --name, --query or both" in nothing.err
    removed = cli(data_dir, "remove-search", "bread")
    assert removed.code == 0
    assert removed.out == "removed the saved search 'Bread'\n"
    assert "no saved searches" in cli(data_dir, "saved-searches").out


def test_bad_input_is_named_and_exits_2(data_dir: Path) -> None:
    bad_query = cli(data_dir, "save-search", "Broken", 'kernel "open')
    assert bad_query.code == 2
    assert "column" in bad_query.err
    cli(data_dir, "save-search", "Kernel", "kernel")
    taken = cli(data_dir, "save-search", "KERNEL", "rust")
    assert taken.code == 2
    assert "already a saved search named 'KERNEL'" in taken.err
    missing = cli(data_dir, "remove-search", "Nope")
    assert missing.code == 2
    assert "no saved search 'Nope'" in missing.err
    missing_view = cli(data_dir, "articles", "--saved", "Nope")
    assert missing_view.code == 2
    assert json.loads(cli(data_dir, "saved-searches", "--json").out)[0]["name"] == "Kernel"
