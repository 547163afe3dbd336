"""When a feed is next due: interval, server hints, back-off, jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_app.ingest.schedule import ScheduleInputs, backoff_minutes, is_due, next_check

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
WEEK = timedelta(days=7)
ALMOST_ONE = 0.999


def wait(jitter: float = 0.0, **fields: object) -> timedelta:
    fields.setdefault("interval_minutes", 60)
    inputs = ScheduleInputs(**fields)  # type: ignore[arg-type]
    return next_check(inputs, NOW, jitter) - NOW


# --- success --------------------------------------------------------------------------------


def test_success_waits_one_interval() -> None:
    assert wait() == timedelta(minutes=60)
    assert wait(interval_minutes=15) == timedelta(minutes=15)


def test_longer_ttl_lengthens_the_wait() -> None:
    assert wait(ttl_minutes=180) == timedelta(minutes=180)


def test_shorter_ttl_is_ignored() -> None:
    assert wait(ttl_minutes=5) == timedelta(minutes=60)
    assert wait(ttl_minutes=0) == timedelta(minutes=60)


def test_longer_max_age_lengthens_the_wait() -> None:
    assert wait(max_age_seconds=2 * 3600) == timedelta(hours=2)


def test_max_age_is_capped_at_24_hours() -> None:
    assert wait(max_age_seconds=365 * 24 * 3600) == DAY
    assert wait(max_age_seconds=10**30) == DAY  # any number a header can carry


def test_ttl_is_capped_at_24_hours() -> None:
    assert wait(ttl_minutes=7 * 24 * 60) == DAY


def test_shorter_max_age_is_ignored() -> None:
    assert wait(max_age_seconds=1) == timedelta(minutes=60)
    assert wait(max_age_seconds=0) == timedelta(minutes=60)


def test_longer_of_ttl_and_max_age_wins_not_their_sum() -> None:
    assert wait(ttl_minutes=120, max_age_seconds=3 * 3600) == timedelta(hours=3)
    assert wait(ttl_minutes=240, max_age_seconds=3 * 3600) == timedelta(hours=4)


def test_interval_longer_than_the_advisory_cap_is_kept() -> None:
    assert wait(interval_minutes=3 * 24 * 60, max_age_seconds=3600) == timedelta(days=3)


def test_retry_after_lengthens_a_success() -> None:
    assert wait(retry_after_seconds=5 * 3600) == timedelta(hours=5)
    assert wait(retry_after_seconds=30) == timedelta(minutes=60)


def test_retry_after_is_capped_at_7_days() -> None:
    assert wait(retry_after_seconds=30 * 24 * 3600) == WEEK
    assert wait(retry_after_seconds=float("inf")) == WEEK


def test_retry_after_may_exceed_the_advisory_cap() -> None:
    assert wait(retry_after_seconds=2 * 86400, max_age_seconds=10**9) == 2 * DAY


# --- failure --------------------------------------------------------------------------------


def test_backoff_doubles_per_failure() -> None:
    assert [wait(error_count=n) for n in range(1, 6)] == [
        timedelta(minutes=m) for m in (60, 120, 240, 480, 960)
    ]


def test_backoff_is_capped() -> None:
    assert wait(error_count=6) == DAY
    assert wait(error_count=50) == DAY
    assert wait(error_count=10**6) == DAY
    assert wait(error_count=3, max_backoff_minutes=90) == timedelta(minutes=90)


def test_backoff_cap_applies_below_the_interval() -> None:
    assert wait(interval_minutes=7 * 24 * 60, error_count=1) == DAY


def test_ttl_and_max_age_are_ignored_after_a_failure() -> None:
    assert wait(error_count=1, ttl_minutes=600, max_age_seconds=86400) == timedelta(minutes=60)


def test_retry_after_wins_over_a_shorter_backoff() -> None:
    assert wait(error_count=1, retry_after_seconds=3 * 3600) == timedelta(hours=3)
    assert wait(error_count=10, retry_after_seconds=3 * 86400) == 3 * DAY
    assert wait(error_count=3, retry_after_seconds=60) == timedelta(minutes=240)
    assert wait(error_count=1, retry_after_seconds=10**9) == WEEK


def test_backoff_minutes_values() -> None:
    assert backoff_minutes(1, 60, 1440) == 60.0
    assert backoff_minutes(2, 60, 1440) == 120.0
    assert backoff_minutes(5, 60, 1440) == 960.0
    assert backoff_minutes(6, 60, 1440) == 1440.0
    assert backoff_minutes(1, 2880, 1440) == 1440.0
    assert isinstance(backoff_minutes(1, 60, 1440), float)


@pytest.mark.parametrize(
    ("error_count", "interval", "cap"), [(0, 60, 1440), (-1, 60, 1440), (1, 0, 1440), (1, 60, 0)]
)
def test_backoff_minutes_rejects_bad_inputs(error_count: int, interval: int, cap: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        backoff_minutes(error_count, interval, cap)


@given(
    interval=st.integers(min_value=1, max_value=10_080),
    cap=st.integers(min_value=1, max_value=10_080),
    n=st.integers(min_value=1, max_value=200),
)
def test_backoff_is_monotonic_up_to_the_cap(interval: int, cap: int, n: int) -> None:
    here, later = backoff_minutes(n, interval, cap), backoff_minutes(n + 1, interval, cap)
    assert here <= later <= cap
    if here < cap:
        assert later == min(cap, 2 * here)


# --- jitter ---------------------------------------------------------------------------------


def test_jitter_adds_up_to_ten_percent() -> None:
    assert wait(jitter=0.0) == timedelta(minutes=60)
    assert wait(jitter=0.5) == timedelta(minutes=63)
    high = wait(jitter=ALMOST_ONE)
    assert timedelta(minutes=65.99) < high < timedelta(minutes=66)


def test_jitter_applies_to_backoff_and_retry_after() -> None:
    assert wait(jitter=0.5, error_count=2) == timedelta(minutes=126)
    assert wait(jitter=0.5, retry_after_seconds=float(WEEK.total_seconds())) == WEEK * 1.05


@pytest.mark.parametrize("jitter", [-0.1, 1.0, 1.5, float("nan")])
def test_jitter_outside_unit_interval_is_rejected(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        wait(jitter=jitter)


# --- validation and time zones --------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"interval_minutes": -1},
        {"interval_minutes": 0},
        {"max_backoff_minutes": 0},
        {"ttl_minutes": -1},
        {"max_age_seconds": -1},
        {"retry_after_seconds": -0.5},
        {"retry_after_seconds": float("nan")},
        {"error_count": -1},
    ],
)
def test_invalid_inputs_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(fields))):
        next_check(ScheduleInputs(**{"interval_minutes": 60, **fields}), NOW, 0.0)  # type: ignore[arg-type]


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="now"):
        next_check(ScheduleInputs(interval_minutes=60), NOW.replace(tzinfo=None), 0.0)


def test_result_is_utc() -> None:
    paris = timezone(timedelta(hours=1))
    result = next_check(ScheduleInputs(interval_minutes=60), NOW.astimezone(paris), 0.0)
    assert result == NOW + timedelta(hours=1)
    assert result.utcoffset() == timedelta(0)


schedule_inputs = st.builds(
    ScheduleInputs,
    interval_minutes=st.integers(min_value=1, max_value=10_080),
    ttl_minutes=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    max_age_seconds=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    retry_after_seconds=st.one_of(st.none(), st.floats(min_value=0, allow_nan=False)),
    error_count=st.integers(min_value=0, max_value=10**4),
    max_backoff_minutes=st.integers(min_value=1, max_value=10_080),
)


@given(inputs=schedule_inputs, jitter=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_next_check_is_after_now_and_bounded(inputs: ScheduleInputs, jitter: float) -> None:
    due = next_check(inputs, NOW, jitter)
    assert due > NOW
    interval = timedelta(minutes=inputs.interval_minutes)
    longest = max(interval, DAY, timedelta(minutes=inputs.max_backoff_minutes), WEEK)
    assert due - NOW <= longest * 1.1
    if inputs.error_count == 0:
        assert due - NOW >= interval


# --- is_due ---------------------------------------------------------------------------------


def test_never_scheduled_is_due() -> None:
    assert is_due(None, NOW)


def test_due_at_and_after_the_time() -> None:
    assert is_due(NOW, NOW)
    assert is_due(NOW - timedelta(seconds=1), NOW)
    assert not is_due(NOW + timedelta(seconds=1), NOW)


def test_is_due_compares_instants_across_zones() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert is_due(NOW.astimezone(tokyo), NOW)


def test_is_due_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="now"):
        is_due(None, NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="next_check"):
        is_due(NOW.replace(tzinfo=None), NOW)
