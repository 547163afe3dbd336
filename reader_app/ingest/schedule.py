"""When a feed is next due: the polite interval after a success, back-off after failures.

Pure functions of their inputs (DESIGN.md, rule 3): the caller passes ``now`` and a random
``jitter`` in [0, 1), so every rule is tested with fixed values.

Politeness follows the Feed Reader Behavior checklist: honour ``Retry-After``, ``<ttl>`` and
``Cache-Control: max-age``, back off from a failing server, and spread requests out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "JITTER_FRACTION",
    "MAX_ADVISORY_WAIT",
    "MAX_RETRY_AFTER",
    "ScheduleInputs",
    "backoff_minutes",
    "is_due",
    "next_check",
]

# A server may ask for longer waits than our interval (<ttl>, max-age), but not without limit:
# max-age of a year, common on misconfigured CDNs, must not stop updates for a year.
MAX_ADVISORY_WAIT = timedelta(hours=24)
# Retry-After is an explicit request to stay away and is honoured further, up to a week.
MAX_RETRY_AFTER = timedelta(days=7)
# Up to this share of the wait is added at random, so feeds added together (an OPML import of
# a thousand feeds) do not all come due in the same second, forever.
JITTER_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class ScheduleInputs:
    """What decides the next check of one feed, as known after an update attempt."""

    interval_minutes: int  # the feed's own interval or the global default (60); at least 1
    ttl_minutes: int | None = None  # RSS <ttl> of the last document
    max_age_seconds: int | None = None  # Cache-Control: max-age of the last response
    retry_after_seconds: float | None = None  # Retry-After of the last response
    error_count: int = 0  # consecutive failures including this attempt (0 = it succeeded)
    max_backoff_minutes: int = 24 * 60  # the longest back-off between retries; at least 1


def next_check(inputs: ScheduleInputs, now: datetime, jitter: float) -> datetime:
    """When the feed is next due, in UTC; always later than ``now``.

    After a success the wait is the interval, lengthened (never shortened) by ``<ttl>`` or
    max-age up to 24 hours. After failures it is :func:`backoff_minutes`; ``<ttl>`` and
    max-age describe a good response and are ignored then. Either way a ``Retry-After`` longer
    than that wait wins, up to 7 days. Finally ``jitter`` (a random number in [0, 1), e.g.
    ``random.random()``) adds up to 10% of the wait.

    Raises ``ValueError`` for a naive ``now``, a jitter outside [0, 1), negative inputs, or an
    interval or back-off cap below one minute (a zero wait would make the feed due forever).
    """
    _validate(inputs)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    if not 0.0 <= jitter < 1.0:
        raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")

    if inputs.error_count == 0:
        wait = timedelta(minutes=inputs.interval_minutes)
        # The longer of the two, in whole seconds: a header can carry any number, and a
        # timedelta of 10**20 seconds would overflow before the cap applies.
        advisory_seconds = max((inputs.ttl_minutes or 0) * 60, inputs.max_age_seconds or 0)
        advisory = timedelta(seconds=min(advisory_seconds, int(MAX_ADVISORY_WAIT.total_seconds())))
        wait = max(wait, advisory)
    else:
        wait = timedelta(
            minutes=backoff_minutes(
                inputs.error_count, inputs.interval_minutes, inputs.max_backoff_minutes
            )
        )
    if inputs.retry_after_seconds is not None:
        retry_after = min(inputs.retry_after_seconds, MAX_RETRY_AFTER.total_seconds())
        wait = max(wait, timedelta(seconds=retry_after))
    wait += wait * (JITTER_FRACTION * jitter)
    return now.astimezone(UTC) + wait


def backoff_minutes(error_count: int, interval_minutes: int, cap_minutes: int) -> float:
    """Minutes to wait after ``error_count`` consecutive failures: ``interval * 2**(n-1)``,
    capped at ``cap_minutes``.

    The first failure waits one interval, like a success (a single timeout is common and
    usually passes); each further failure doubles the wait, so a dead server is asked ever
    less often, but at least every ``cap_minutes``, so a feed that comes back is noticed within
    that time. The cap applies even when it is shorter than the interval: a long-interval feed
    that fails is retried within the cap.

    Raises ``ValueError`` when ``error_count`` is below 1 (no failure, no back-off) or the
    interval or cap is below 1 minute.
    """
    if error_count < 1:
        raise ValueError(f"error_count must be at least 1, got {error_count!r}")
    if interval_minutes < 1:
        raise ValueError(f"interval_minutes must be at least 1, got {interval_minutes!r}")
    if cap_minutes < 1:
        raise ValueError(f"cap_minutes must be at least 1, got {cap_minutes!r}")
    # Past 2**62 the product exceeds any cap a timedelta can hold; stop doubling there so a
    # feed failing for years does not compute ever larger integers.
    exponent = min(error_count - 1, 62)
    return float(min(cap_minutes, interval_minutes * 2**exponent))


def is_due(next_check: datetime | None, now: datetime) -> bool:
    """Whether a feed should be checked at ``now``; a feed never scheduled (``None``) is due."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    if next_check is None:
        return True
    if next_check.tzinfo is None or next_check.utcoffset() is None:
        raise ValueError(f"next_check must be a timezone-aware datetime, got {next_check!r}")
    return next_check <= now


def _validate(inputs: ScheduleInputs) -> None:
    if inputs.interval_minutes < 1:
        raise ValueError(f"interval_minutes must be at least 1, got {inputs.interval_minutes!r}")
    if inputs.max_backoff_minutes < 1:
        raise ValueError(
            f"max_backoff_minutes must be at least 1, got {inputs.max_backoff_minutes!r}"
        )
    if inputs.error_count < 0:
        raise ValueError(f"error_count must not be negative, got {inputs.error_count!r}")
    if inputs.ttl_minutes is not None and inputs.ttl_minutes < 0:
        raise ValueError(f"ttl_minutes must not be negative, got {inputs.ttl_minutes!r}")
    if inputs.max_age_seconds is not None and inputs.max_age_seconds < 0:
        raise ValueError(f"max_age_seconds must not be negative, got {inputs.max_age_seconds!r}")
    retry_after = inputs.retry_after_seconds
    # NaN compares false with everything, so test it explicitly; +inf is capped to a week.
    if retry_after is not None and (math.isnan(retry_after) or retry_after < 0):
        raise ValueError(f"retry_after_seconds must not be negative, got {retry_after!r}")
