"""What one claimed batch becomes, as a pure function: suppressions and the messages to post.

Rules, in order:

1. Severity: a delivery whose event kind is below ``SLACK_MIN_SEVERITY`` is suppressed.
2. Flapping: a video gets at most ``SLACK_MAX_NOTIFICATIONS_PER_VIDEO`` messages about its
   changes of state (``FLAP_KINDS``: gone, restricted, back) per ``SLACK_RENOTIFICATION_HOURS``
   (such messages already sent in the window count); the rest are suppressed and show up in
   the digest. Metadata changes and new uploads neither count nor are capped.
3. Grouping: more than ``SLACK_GROUP_THRESHOLD`` remaining events of one channel in one scan
   become one message listing them; channel-level events (a terminated or restored channel)
   are always a message of their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from common.notify.messages import (
    CHANNEL_KINDS,
    FLAP_KINDS,
    EventView,
    Message,
    event_message,
    group_message,
)
from common.notify.severity import Severity, severity_of
from common.notify.texts import Language

__all__ = [
    "SUPPRESSED_FLAPPING",
    "SUPPRESSED_SEVERITY",
    "BatchPlan",
    "Claimed",
    "Outgoing",
    "PlanRules",
    "plan_batch",
]

# Stored in deliveries.last_error of suppressed rows (the digest counts them by this text).
SUPPRESSED_SEVERITY = "suppressed: below SLACK_MIN_SEVERITY"
SUPPRESSED_FLAPPING = "suppressed: flapping (SLACK_MAX_NOTIFICATIONS_PER_VIDEO)"


@dataclass(frozen=True, slots=True)
class PlanRules:
    language: Language = "en"
    min_severity: Severity = Severity.low
    group_threshold: int = 5
    max_per_video: int = 3


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed delivery row and the event it carries."""

    delivery_id: int
    attempts: int
    view: EventView


@dataclass(slots=True)
class Outgoing:
    """One message to post and the deliveries it settles."""

    message: Message
    rows: list[Claimed]

    @property
    def delivery_ids(self) -> list[int]:
        return [row.delivery_id for row in self.rows]


@dataclass(slots=True)
class BatchPlan:
    outgoing: list[Outgoing] = field(default_factory=list)
    # delivery id -> the reason stored in last_error
    suppressed: dict[int, str] = field(default_factory=dict)


def plan_batch(
    rows: Sequence[Claimed], recent_per_video: Mapping[str, int], rules: PlanRules
) -> BatchPlan:
    """Decide suppressions and messages for ``rows``.

    Args:
        rows: the claimed deliveries (any order).
        recent_per_video: messages about a change of state (``FLAP_KINDS``) already sent per
            video id within the renotification window.
        rules: severity floor, grouping threshold, per-video cap and language.
    """
    plan = BatchPlan()
    per_video = Counter(recent_per_video)
    kept: list[Claimed] = []
    for row in sorted(rows, key=lambda r: (r.view.event_id, r.delivery_id)):
        view = row.view
        if severity_of(view.kind) < rules.min_severity:
            plan.suppressed[row.delivery_id] = SUPPRESSED_SEVERITY
            continue
        if view.video_id is not None and view.kind in FLAP_KINDS:
            if per_video[view.video_id] >= rules.max_per_video:
                plan.suppressed[row.delivery_id] = SUPPRESSED_FLAPPING
                continue
            per_video[view.video_id] += 1
        kept.append(row)

    scans: dict[tuple[str, str], list[Claimed]] = {}
    singles: list[Claimed] = []
    for row in kept:
        view = row.view
        if view.scan_id is None or view.kind in CHANNEL_KINDS:
            singles.append(row)
        else:
            scans.setdefault((view.channel_id, view.scan_id), []).append(row)
    for members in scans.values():
        if len(members) > rules.group_threshold:
            message = group_message([m.view for m in members], rules.language)
            plan.outgoing.append(Outgoing(message, members))
        else:
            singles.extend(members)
    for row in singles:
        plan.outgoing.append(Outgoing(event_message(row.view, rules.language), [row]))
    plan.outgoing.sort(key=lambda out: min(r.view.event_id for r in out.rows))
    return plan
