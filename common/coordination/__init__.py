"""Coordination between workers: locks with TTL and owner token, and expiring counters.

Counters back the quota ledger and fixed-window rate limits. ``DatabaseCoordinator`` is the
embedded default; a Redis backend implements the same ``Coordinator`` protocol.
"""

from common.coordination.base import Coordinator, held_lock
from common.coordination.database import DatabaseCoordinator

__all__ = ["Coordinator", "DatabaseCoordinator", "held_lock"]
