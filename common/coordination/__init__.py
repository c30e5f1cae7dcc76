"""Coordination between workers: locks with TTL and owner token, and expiring counters.

Counters back the quota ledger and fixed-window rate limits. ``DatabaseCoordinator`` is the
embedded default; ``RedisCoordinator`` implements the same ``Coordinator`` protocol on Redis.
"""

from common.coordination.base import Coordinator, held_lock
from common.coordination.database import DatabaseCoordinator
from common.coordination.redis import RedisCoordinator

__all__ = ["Coordinator", "DatabaseCoordinator", "RedisCoordinator", "held_lock"]
