"""The Pacer: writes one at a time under per-minute and per-hour limits, waiting as the host says.

Every test runs on a fake clock: nothing sleeps."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.infra.pacing import Pacer, RateLimited
from tests.support.github_server import FakeClock


def paced(clock: FakeClock, **kw: float) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep, **kw)  # type: ignore[arg-type]


def test_writes_are_spread_evenly_over_the_minute() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, per_minute=80, per_hour=500)

    sent = [pacer.write(clock) for _ in range(5)]

    assert sent == pytest.approx([0, 0.75, 1.5, 2.25, 3.0])


def test_the_hourly_budget_makes_the_next_write_wait_for_the_oldest_to_age_out() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, per_minute=600, per_hour=10)

    sent = [pacer.write(clock) for _ in range(11)]

    assert sent[9] == pytest.approx(0.9)
    assert sent[10] == pytest.approx(3600)


def test_a_burst_from_many_threads_runs_every_write_one_at_a_time() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, per_minute=60, per_hour=1000)
    running, overlaps = [0], [0]
    lock = threading.Lock()

    def write(i: int) -> int:
        def call() -> int:
            with lock:
                running[0] += 1
                overlaps[0] = max(overlaps[0], running[0])
            with lock:
                running[0] -= 1
            return i

        return pacer.write(call)

    with ThreadPoolExecutor(max_workers=25) as pool:
        done = list(pool.map(write, range(200)))

    assert done == list(range(200)) and overlaps[0] == 1
    assert clock.now == pytest.approx(199.0)  # one a second, none dropped


def test_a_rate_limited_write_is_sent_again_after_the_wait_the_host_asked_for() -> None:
    clock = FakeClock(0)
    pacer = paced(clock)
    attempts: list[float] = []

    def call() -> str:
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise RateLimited(30)
        return "created"

    assert pacer.write(call) == "created"
    assert attempts == pytest.approx([0, 30, 60])
    assert pacer.rate_limit_waits == [30, 30]


def test_a_pause_holds_back_the_next_writer_too() -> None:
    clock = FakeClock(0)
    pacer = paced(clock)
    first = iter([RateLimited(120), None])

    def limited_once() -> None:
        error = next(first)
        if error:
            raise error

    pacer.write(limited_once)

    assert pacer.write(clock) >= 120


def test_a_host_that_keeps_refusing_gives_the_write_back_to_the_caller_after_the_allowed_waits() -> None:
    clock = FakeClock(0)
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_rate_limit_waits=2)

    def refused() -> None:
        raise RateLimited(10)

    with pytest.raises(RateLimited):
        pacer.write(refused)
    assert pacer.rate_limit_waits == [10, 10]


def test_other_errors_pass_through_without_waiting() -> None:
    clock = FakeClock(0)
    pacer = paced(clock)

    def broken() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        pacer.write(broken)
    assert clock.sleeps == []


def test_scaled_limits_are_githubs_multiplied() -> None:
    pacer = Pacer.scaled(100)
    assert (pacer.per_minute, pacer.per_hour) == (8000, 50000)
    assert pacer.min_interval == pytest.approx(60 / 8000)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(per_minute=0)


def test_writes_get_their_turn_in_the_order_they_arrived() -> None:
    clock = FakeClock(0)
    pacer = paced(clock)
    release, order = threading.Event(), []

    def hold() -> None:
        release.wait(5)

    first = threading.Thread(target=pacer.write, args=(hold,))
    first.start()
    threads = []
    for i in range(8):
        t = threading.Thread(target=pacer.write, args=(lambda i=i: order.append(i),))
        t.start()
        threads.append(t)
        while pacer.backlog < i + 1:  # the next writer arrives only once this one queues
            time.sleep(0.001)
    release.set()
    for t in [first, *threads]:
        t.join(5)

    assert order == list(range(8)) and pacer.backlog == 0


# --- every wait is bounded -------------------------------------------------------------------------------


def test_a_retry_after_of_99999999999_seconds_never_raises_inside_the_pacer_nor_sleeps_for_it() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, max_wait=120, max_pause=900)

    def refused() -> None:
        raise RateLimited(99999999999, "(403)")

    with pytest.raises(RateLimited) as caught:
        pacer.write(refused)

    assert caught.value.retry_after == 900  # bounded, handed back to the caller who keeps the work
    assert clock.sleeps == []  # nothing slept for it
    assert pacer.paused_for == 900


def test_during_a_long_pause_writes_are_handed_back_at_once_and_the_first_after_it_goes_out() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, max_wait=120, max_pause=900)
    limited = iter([RateLimited(99999999999)])

    def first() -> None:
        error = next(limited, None)
        if error:
            raise error

    with pytest.raises(RateLimited):
        pacer.write(first)
    calls: list[float] = []
    with pytest.raises(RateLimited, match="paused after an earlier rate limit"):
        pacer.write(lambda: calls.append(clock.now))
    assert calls == [] and clock.sleeps == []

    clock.now += 900
    assert pacer.write(clock) == pytest.approx(900)  # the pause ended: writes go out again


def test_a_pause_shorter_than_max_wait_is_slept_through_as_before() -> None:
    clock = FakeClock(0)
    pacer = paced(clock, max_wait=120)
    answers = iter([RateLimited(100), None])

    def once_limited() -> str:
        error = next(answers)
        if error:
            raise error
        return "created"

    assert pacer.write(once_limited) == "created"
    assert clock.sleeps == [pytest.approx(100)]


@pytest.mark.parametrize(("asked", "honoured"), [(float("inf"), 900), (float("nan"), 900), (-5, 0), (30, 30)])
def test_any_wait_a_host_asks_for_is_bounded(asked: float, honoured: float) -> None:
    assert Pacer(max_pause=900).bounded(asked) == honoured


def test_bounds_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="max_wait"):
        Pacer(max_wait=1000, max_pause=900)
