"""Dispatch: pick the channels that are due within the quota share, scan them, then notify.

``Dispatcher.dispatch`` is the entry point; ``plan`` decides (pure but for one query),
``claims`` keeps overlapping runs apart, ``callers`` reach scan_channel and notify,
``runs`` records each run for health.
"""

from common.dispatch.callers import (
    HttpNotifyCaller,
    HttpScanCaller,
    InProcessScanCaller,
    NotifyOutcome,
    ScanCaller,
    ScanOutcome,
)
from common.dispatch.dispatcher import (
    OUTCOMES,
    Dispatcher,
    DispatchPolicy,
    DispatchSummary,
    disabled_summary,
)
from common.dispatch.plan import DispatchPlan, DueChannel, plan_dispatch, quota_share
from common.dispatch.runs import last_successful_dispatch

__all__ = [
    "OUTCOMES",
    "DispatchPlan",
    "DispatchPolicy",
    "DispatchSummary",
    "Dispatcher",
    "DueChannel",
    "HttpNotifyCaller",
    "HttpScanCaller",
    "InProcessScanCaller",
    "NotifyOutcome",
    "ScanCaller",
    "ScanOutcome",
    "disabled_summary",
    "last_successful_dispatch",
    "plan_dispatch",
    "quota_share",
]
