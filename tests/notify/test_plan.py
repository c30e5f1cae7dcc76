"""Suppression and grouping decisions, as a pure function of claimed rows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from common.models import EVENT_KINDS
from common.notify.messages import EventView
from common.notify.plan import (
    SUPPRESSED_FLAPPING,
    SUPPRESSED_SEVERITY,
    Claimed,
    PlanRules,
    plan_batch,
)
from common.notify.severity import SEVERITY_BY_KIND, Severity

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CHANNEL = "UC" + "c" * 22
_ids = itertools.count(1)


def row(
    kind: str, video: str | None = "vvvvvvvvvvv", scan: str | None = "s1", **kw: Any
) -> Claimed:
    n = next(_ids)
    view = EventView(
        event_id=n,
        kind=kind,
        detected_at=NOW,
        channel_id=kw.pop("channel", CHANNEL),
        channel_title="Chan",
        video_id=video,
        scan_id=scan,
        details={"title": f"title {n}"},
    )
    return Claimed(delivery_id=n, attempts=0, view=view)


def vid(n: int) -> str:
    return f"v{n:010d}"


def test_every_kind_has_a_severity() -> None:
    assert set(SEVERITY_BY_KIND) == set(EVENT_KINDS)
    assert SEVERITY_BY_KIND["deleted"] == Severity.high
    assert SEVERITY_BY_KIND["private"] == Severity.medium
    assert SEVERITY_BY_KIND["unlisted"] == Severity.low
    assert SEVERITY_BY_KIND["new"] == Severity.info


def test_new_uploads_are_off_by_default_and_on_with_the_info_floor() -> None:
    rows = [row("new", vid(1)), row("deleted", vid(2))]
    plan = plan_batch(rows, {}, PlanRules())
    assert plan.suppressed == {rows[0].delivery_id: SUPPRESSED_SEVERITY}
    assert len(plan.outgoing) == 1
    plan = plan_batch(rows, {}, PlanRules(min_severity=Severity.info))
    assert plan.suppressed == {} and len(plan.outgoing) == 2


def test_the_floor_filters_by_severity() -> None:
    rows = [row(k, vid(i)) for i, k in enumerate(["unlisted", "private", "removed"])]
    plan = plan_batch(rows, {}, PlanRules(min_severity=Severity.high))
    assert set(plan.suppressed) == {rows[0].delivery_id, rows[1].delivery_id}
    assert [o.delivery_ids for o in plan.outgoing] == [[rows[2].delivery_id]]


def test_up_to_the_threshold_stays_separate_above_it_is_one_group() -> None:
    five = [row("deleted", vid(i), scan="five") for i in range(5)]
    six = [row("private", vid(10 + i), scan="six", channel="UC" + "d" * 22) for i in range(6)]
    plan = plan_batch(five + six, {}, PlanRules(group_threshold=5))
    sizes = sorted(len(o.rows) for o in plan.outgoing)
    assert sizes == [1, 1, 1, 1, 1, 6]


def test_same_channel_different_scans_are_not_grouped_together() -> None:
    rows = [row("deleted", vid(i), scan=f"s{i % 2}") for i in range(8)]
    plan = plan_batch(rows, {}, PlanRules(group_threshold=5))
    assert len(plan.outgoing) == 8


def test_a_terminated_channel_is_one_message_of_its_own() -> None:
    rows = [row("channel_terminated", None, scan="t")] + [
        row("deleted", vid(i), scan="t") for i in range(6)
    ]
    plan = plan_batch(rows, {}, PlanRules(group_threshold=5))
    assert sorted(len(o.rows) for o in plan.outgoing) == [1, 6]
    alone = next(o for o in plan.outgoing if len(o.rows) == 1)
    assert alone.rows[0].view.kind == "channel_terminated"


def test_flapping_counts_messages_already_sent_in_the_window() -> None:
    rows = [row(k, vid(1), scan=f"s{i}") for i, k in enumerate(["private", "restored", "private"])]
    plan = plan_batch(rows, {vid(1): 2}, PlanRules(max_per_video=3))
    assert len(plan.outgoing) == 1
    assert plan.suppressed == {
        rows[1].delivery_id: SUPPRESSED_FLAPPING,
        rows[2].delivery_id: SUPPRESSED_FLAPPING,
    }


def test_messages_come_out_in_event_order() -> None:
    rows = [row("deleted", vid(i), scan=f"s{i}") for i in range(4)]
    plan = plan_batch(list(reversed(rows)), {}, PlanRules())
    assert [o.rows[0].view.event_id for o in plan.outgoing] == [r.view.event_id for r in rows]
