"""Getting feeds in: fetch over HTTP, parse, and decide what changed. No database here.

``fetch`` talks HTTP (httpx); ``parse`` turns bytes into ``ParsedFeed`` values (feedparser,
our JSON Feed reader) in worker processes that can be stopped; ``decide`` and ``schedule`` are
pure functions of their inputs, ``now`` included.
"""
