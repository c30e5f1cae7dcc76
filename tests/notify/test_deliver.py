"""The outbox worker against the Slack stand-in, on SQLite and PostgreSQL: every outcome, retries,
outages, and concurrent runs that never send a delivery twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from common.notify import DeliveryPolicy, NotifyReport, Outbox
from common.notify.messages import Message
from common.notify.senders import SendResult, SlackWebhookSender
from tests.notify.conftest import Clock, Seeder, channel_id, outbox, video_id
from tests.notify.slack_stub import SlackStub


def gone(n: int) -> list[tuple[str, str | None, dict[str, object]]]:
    return [("deleted", video_id(), {"title": f"Lost video {i}"}) for i in range(n)]


def seed_separate_scans(seeder: Seeder, n: int) -> list[int]:
    """``n`` deleted videos, each found by its own scan: ``n`` messages."""
    return [i for _ in range(n) for i in seeder.events(gone(1))]


def sent_event_ids(slack: SlackStub) -> Counter[str]:
    """How many times each event (by its ``#id`` in the context block) reached Slack."""
    seen: Counter[str] = Counter()
    for request in slack.delivered:
        for block in request.payload["blocks"]:
            if block["type"] == "context":
                text = block["elements"][0]["text"]
                if not text.startswith("ytdt ·"):
                    continue
                seen.update(part.strip(" …") for part in text.split("·")[1].split(","))
    return seen


def test_each_pending_delivery_is_sent_once(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    ids = seed_separate_scans(seeder, 4)
    report = outbox(engine, slack, clock).deliver()
    assert (report.messages, report.sent, report.retried, report.failed) == (4, 4, 0, 0)
    assert sent_event_ids(slack) == Counter({f"#{i}": 1 for i in ids})
    rows = seeder.deliveries()
    assert {(d.status, d.attempts, d.sent_at) for d in rows} == {("sent", 1, clock.now)}
    assert all(d.next_attempt_at is None and d.last_error is None for d in rows)
    again = outbox(engine, slack, clock).deliver()
    assert again.messages == 0
    assert len(slack.requests) == 4


def test_429_honours_retry_after_and_stops_the_run(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 3)
    slack.answer_next(1, 429, "rate_limited", **{"Retry-After": "120"})
    report = outbox(engine, slack, clock, backoff_s=5).deliver()
    assert (report.messages, report.retried, report.deferred) == (0, 1, 2)
    assert len(slack.requests) == 1, "a rate-limited webhook is not hammered"
    first, *rest = seeder.deliveries()
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at == clock.now + timedelta(seconds=120)
    assert first.last_error == "HTTP 429: rate_limited"
    assert {(d.attempts, d.next_attempt_at) for d in rest} == {
        (0, clock.now + timedelta(seconds=120))
    }

    clock.advance(seconds=119)
    assert outbox(engine, slack, clock).deliver().messages == 0
    clock.advance(seconds=1)
    report = outbox(engine, slack, clock).deliver()
    assert report.messages == 3
    assert seeder.statuses() == {"sent": 3}


def test_5xx_is_retried_with_exponential_backoff_then_failed(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 1)
    slack.answer_always(500, "internal_error")
    waits = []
    for _ in range(3):
        report = outbox(engine, slack, clock, backoff_s=10, max_attempts=4).deliver()
        assert report.retried == 1
        [row] = seeder.deliveries()
        assert row.next_attempt_at is not None
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        clock.now = row.next_attempt_at
    assert waits == [10, 20, 40]
    report = outbox(engine, slack, clock, backoff_s=10, max_attempts=4).deliver()
    assert (report.failed, report.retried) == (1, 0)
    [row] = seeder.deliveries()
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.last_error == "gave up after 4 attempts: HTTP 500: internal_error"
    assert len(slack.requests) == 4


def test_no_service_fails_at_once_with_the_body_and_keeps_the_rest_pending(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 3)
    slack.answer_next(1, 404, "no_service")
    report = outbox(engine, slack, clock).deliver()
    assert (report.failed, report.deferred, report.messages) == (1, 2, 0)
    assert report.errors == ["HTTP 404: no_service"]
    first, *rest = seeder.deliveries()
    assert (first.status, first.attempts, first.last_error) == ("failed", 1, "HTTP 404: no_service")
    assert {d.status for d in rest} == {"pending"}
    # The webhook is fixed: the rest goes out, the failed one stays failed (kept, visible).
    report = outbox(engine, slack, clock).deliver()
    assert report.messages == 2
    assert seeder.statuses() == {"failed": 1, "sent": 2}


def test_invalid_payload_fails_that_message_only(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 3)
    slack.answer_next(1, 400, "invalid_payload")
    report = outbox(engine, slack, clock).deliver()
    assert (report.failed, report.messages, report.deferred) == (1, 2, 0)
    assert seeder.statuses() == {"failed": 1, "sent": 2}
    assert seeder.deliveries()[0].last_error == "HTTP 400: invalid_payload"


def test_an_outage_for_a_whole_run_then_recovery_delivers_everything_exactly_once(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    ids = seed_separate_scans(seeder, 5) + seeder.events(gone(8))  # 5 singles + 1 group of 8
    slack.refuse()
    report = outbox(engine, slack, clock).deliver()
    assert report.messages == 0
    assert report.retried == 1 and report.deferred == 12
    assert "connection" in report.errors[0]
    assert all(d.status == "pending" for d in seeder.deliveries())

    # A second run inside the backoff sends nothing; after it, the outage is over.
    assert outbox(engine, slack, clock).deliver().messages == 0
    slack.resume()
    clock.advance(minutes=5)
    report = outbox(engine, slack, clock).deliver()
    assert (report.messages, report.sent, report.retried, report.failed) == (6, 13, 0, 0)
    assert len(slack.requests) == 6
    counts = sent_event_ids(slack)
    assert all(counts[f"#{i}"] == 1 for i in ids[:5])
    assert seeder.statuses() == {"sent": 13}


def test_two_runs_at_the_same_time_send_nothing_twice(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    ids = seed_separate_scans(seeder, 40)
    slack.delay_s = 0.01
    reports: list[NotifyReport] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        reports.append(outbox(engine, slack, clock, scans_per_batch=4).deliver())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(reports) == 3
    assert sum(r.messages for r in reports) == 40
    assert sum(1 for r in reports if r.messages) >= 2, "the runs really overlapped"
    assert len(slack.requests) == 40
    assert sent_event_ids(slack) == Counter({f"#{i}": 1 for i in ids})
    assert seeder.statuses() == {"sent": 40}


def test_a_claimed_batch_is_invisible_to_other_runs_until_its_lease_ends(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 2)
    # A run that dies after claiming: its rows are leased, not due.
    worker = outbox(engine, slack, clock)
    batch = worker._claim()
    assert batch is not None
    assert outbox(engine, slack, clock).deliver().messages == 0
    leased = {d.next_attempt_at for d in seeder.deliveries()}
    assert leased == {clock.now + worker._policy.lease(2)}
    clock.advance(seconds=worker._policy.lease(2).total_seconds())
    assert outbox(engine, slack, clock).deliver().messages == 2


def test_below_the_severity_floor_is_suppressed_and_kept(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seeder.events([("new", video_id(), {"title": "fresh"}), ("unlisted", video_id(), {})])
    report = outbox(engine, slack, clock, min_severity=2).deliver()
    assert (report.suppressed, report.messages) == (2, 0)
    rows = seeder.deliveries()
    assert {d.status for d in rows} == {"suppressed"}
    assert rows[0].last_error == "suppressed: below SLACK_MIN_SEVERITY"
    assert slack.requests == []


def test_a_flapping_video_gets_at_most_the_cap_per_window(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    vid = video_id()
    cid = channel_id("f")
    for kind in ("private", "restored", "private", "restored", "private"):
        seeder.events([(kind, vid, {"title": "Flapper"})], cid=cid)
        outbox(engine, slack, clock).deliver()
        clock.advance(hours=1)
    assert len(slack.requests) == 3
    assert [d.status for d in seeder.deliveries()] == ["sent"] * 3 + ["suppressed"] * 2
    assert seeder.deliveries()[-1].last_error.startswith("suppressed: flapping")
    # A day after the first messages, the video may be heard again.
    clock.advance(hours=24)
    seeder.events([("deleted", vid, {"title": "Flapper"})], cid=cid)
    assert outbox(engine, slack, clock).deliver().messages == 1


def test_metadata_changes_neither_count_towards_nor_fall_under_the_flapping_cap(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    vid = video_id()
    cid = channel_id("m")
    for kind in ("changed", "changed", "changed", "changed", "deleted"):
        seeder.events([(kind, vid, {"title": "Edited often"})], cid=cid)
        outbox(engine, slack, clock).deliver()
        clock.advance(minutes=10)
    # Four title edits were all posted, and the deletion after them was not held back.
    assert [d.status for d in seeder.deliveries()] == ["sent"] * 5
    assert len(slack.requests) == 5


def test_more_than_the_threshold_in_one_scan_is_one_message(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seeder.events(gone(5))
    seeder.events(gone(6), cid=channel_id("b"))
    report = outbox(engine, slack, clock).deliver()
    assert (report.messages, report.sent) == (6, 11)
    grouped = [r for r in slack.requests if r.payload["blocks"][0]["text"]["text"].startswith("6 ")]
    assert len(grouped) == 1
    assert grouped[0].blob.count("Lost video") == 6


def test_a_run_stops_at_its_message_budget_and_the_next_run_continues(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seed_separate_scans(seeder, 7)
    first = outbox(engine, slack, clock, scans_per_batch=2, max_messages=4).deliver()
    assert first.messages == 4
    second = outbox(engine, slack, clock, scans_per_batch=2, max_messages=4).deliver()
    assert second.messages == 3
    assert len(slack.requests) == 7


class _BrokenAfter:
    """A sender that posts ``n`` messages through Slack, then fails like a bug would."""

    destination = "slack"

    def __init__(self, inner: SlackWebhookSender, n: int) -> None:
        self._inner, self._left = inner, n

    def send(self, message: Message) -> SendResult:
        if self._left == 0:
            raise RuntimeError("bug in a sender")
        self._left -= 1
        return self._inner.send(message)


def test_a_crashing_sender_still_records_what_it_posted(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    ids = seed_separate_scans(seeder, 4)
    sender = _BrokenAfter(SlackWebhookSender.for_url(slack.url, timeout_s=5), 2)
    with pytest.raises(RuntimeError):
        Outbox(engine, sender, DeliveryPolicy(), clock=clock).deliver()
    assert seeder.statuses() == {"sent": 2, "pending": 2}
    assert outbox(engine, slack, clock).deliver().messages == 2
    assert sent_event_ids(slack) == Counter({f"#{i}": 1 for i in ids})
