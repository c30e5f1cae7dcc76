"""Errors of the thumbnail archive.

Hierarchy::

    AppError (common.errors)
    └── ArchiveError          the archive could not do what was asked (503)
        ├── ThumbnailRejected the image was not fetched or not acceptable (missing, too big,
        │                     not an image): recorded on the video and retried later
        └── StoreError        object storage (S3 or the local folder) failed

The scan catches ``ArchiveError`` around its archive step, so a failing archive never fails a
scan; the archiver itself records ``ThumbnailRejected`` and ``StoreError`` per video.
"""

from __future__ import annotations

from common.errors import AppError

__all__ = ["ArchiveError", "StoreError", "ThumbnailRejected"]


class ArchiveError(AppError):
    code = "archive_error"
    status = 503


class ThumbnailRejected(ArchiveError):
    code = "thumbnail_rejected"
    status = 502


class StoreError(ArchiveError):
    code = "archive_store_error"
    status = 503
