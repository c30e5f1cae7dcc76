"""Scanning one channel: discover uploads, verify known videos, classify, confirm, store.

``scan_channel`` is the one entry point; the phases live in their own modules:
``fetch`` (all YouTube I/O, nothing written), ``classify`` (pure decisions), ``store`` (one
transaction) so that a failed request can never leave a half-written scan behind.
"""

from common.scan.runner import Scanner, ScanPolicy, ScanResult

__all__ = ["ScanPolicy", "ScanResult", "Scanner"]
