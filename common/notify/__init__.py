"""Slack notifications: the outbox worker, Block Kit messages (en, ja), digest and test message.

Modules: ``severity`` (how loud each kind is), ``escape`` (untrusted text made inert), ``texts``
(the words), ``messages`` (Block Kit), ``plan`` (suppression and grouping, pure), ``senders``
(webhook or console), ``deliver`` (claiming, sending, outcomes), ``digest``, ``service`` (the
modes, wired from settings).
"""

from common.notify.deliver import DeliveryPolicy, NotifyReport, Outbox
from common.notify.service import Mode, Notifier

__all__ = ["DeliveryPolicy", "Mode", "Notifier", "NotifyReport", "Outbox"]
