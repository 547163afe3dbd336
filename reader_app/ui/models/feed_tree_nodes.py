"""The feed list's rows as plain nodes: which rows exist, in what order, under which parent.

Building the tree is a pure function of the feeds (in the library's title order) and the tag
filter, so the model only wraps it in Qt's reset signals. Rows, top to bottom: the smart
views; the saved searches; then tags as groups (``News/Europe`` under ``News``; inside a
group the nested tags come before the feeds); then the untagged feeds. A feed with several
tags gets a node under each of them.

Each node has a ``uid`` that is the model index's internal id; uids are numbered afresh on
every build, which is why the model resets (and the view re-selects by ``Selection``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from reader_app.domain import FeedId, FeedSummary
from reader_app.domain.saved_search import SavedSearch, SavedSearchId
from reader_app.domain.tags import tag_and_ancestors
from reader_app.ui.models.feed_labels import feed_label
from reader_app.ui.selection import Selection, SmartView


def within(tag: str, chosen: Iterable[str]) -> bool:
    """Whether ``tag`` is one of ``chosen`` or nested below one of them."""
    return any(tag == c or tag.startswith(c + "/") for c in chosen)


@dataclass(eq=False, slots=True)
class Node:
    """One row: ``row`` is its place among its parent's children."""

    uid: int
    parent: Node | None
    row: int
    selection: Selection | None  # None for the invisible root
    label: str = ""
    children: list[Node] = field(default_factory=list)

    @property
    def is_feed(self) -> bool:
        return self.selection is not None and self.selection.feed_id is not None

    @property
    def is_tag(self) -> bool:
        return self.selection is not None and self.selection.tag is not None

    def walk(self) -> Iterator[Node]:
        """Every node below this one, depth first, in the order the tree shows them."""
        for child in self.children:
            yield child
            yield from child.walk()


@dataclass(slots=True)
class FeedNodes:
    """The rows of one build and the lookups the model answers from: by uid (a model
    index's internal id), by tag path, and by feed (every row it has)."""

    root: Node = field(default_factory=lambda: Node(0, None, -1, None))
    by_uid: dict[int, Node] = field(default_factory=dict)
    tags: dict[str, Node] = field(default_factory=dict)
    feeds: dict[FeedId, list[Node]] = field(default_factory=dict)
    searches: dict[SavedSearchId, Node] = field(default_factory=dict)

    def add(self, parent: Node, selection: Selection, label: str) -> Node:
        node = Node(len(self.by_uid) + 1, parent, len(parent.children), selection, label)
        parent.children.append(node)
        self.by_uid[node.uid] = node
        return node


def build_nodes(
    order: Sequence[FeedId],
    summaries: Mapping[FeedId, FeedSummary],
    tag_filter: frozenset[str],
    saved: Sequence[SavedSearch] = (),
) -> FeedNodes:
    """The tree for feeds in ``order``; with a ``tag_filter``, only feeds carrying one of
    those tags (or a tag nested below one), and only under those tags. Smart views and
    saved searches stay whatever the filter (their articles are narrowed by it)."""
    nodes = FeedNodes()
    for view in SmartView:
        nodes.add(nodes.root, Selection(view=view), view.label)
    for search in saved:
        node = nodes.add(nodes.root, Selection(saved_search=search.id), search.name)
        nodes.searches[search.id] = node

    placements: list[tuple[str | None, FeedId]] = []
    for feed_id in order:
        tags = summaries[feed_id].feed.tags
        if tag_filter:
            placements += [(t, feed_id) for t in tags if within(t, tag_filter)]
        elif tags:
            placements += [(t, feed_id) for t in tags]
        else:
            placements.append((None, feed_id))

    paths = {p for tag, _ in placements if tag for p in tag_and_ancestors(tag)}
    for path in sorted(paths, key=lambda p: [part.casefold() for part in p.split("/")]):
        parent_path, _, name = path.rpartition("/")
        parent = nodes.tags[parent_path] if parent_path else nodes.root
        nodes.tags[path] = nodes.add(parent, Selection(tag=path), name)
    for tag, feed_id in placements:
        parent = nodes.root if tag is None else nodes.tags[tag]
        label = feed_label(summaries[feed_id].feed)
        node = nodes.add(parent, Selection(feed_id=feed_id), label)
        nodes.feeds.setdefault(feed_id, []).append(node)
    return nodes


def tag_counts(tags: Mapping[str, Node], summaries: Mapping[FeedId, FeedSummary]) -> dict[str, int]:
    """A tag's count: unread of the distinct feeds shown under it or below it."""
    return {
        path: sum(summaries[fid].unread_count for fid in feed_ids_under(node))
        for path, node in tags.items()
    }


def parent_tag(node: Node) -> str | None:
    """The tag ``node`` sits under, or None at the top level."""
    parent = node.parent
    if parent is None or parent.selection is None:
        return None
    return parent.selection.tag


def feed_ids_under(node: Node) -> set[FeedId]:
    """The distinct feeds with a row anywhere below ``node``."""
    return {n.selection.feed_id for n in node.walk() if n.selection and n.selection.feed_id}
