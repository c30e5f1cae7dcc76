"""The thumbnail archive: keep each video's thumbnail image in object storage.

``ThumbnailArchiver`` fetches (``ThumbnailFetcher``) and stores (``S3Store`` or ``LocalStore``)
after each scan; ``archived_thumbnail`` serves an image back; ``videos_with_thumbnail`` tells
messages and pages which videos have one.
"""

from common.archive.archiver import UNFETCHABLE_STATES, ArchiveReport, ThumbnailArchiver
from common.archive.errors import ArchiveError, StoreError, ThumbnailRejected
from common.archive.fetch import Image, ThumbnailFetcher, sniff_image_type
from common.archive.lookup import (
    ArchivedImage,
    archived_thumbnail,
    thumbnail_path,
    videos_with_thumbnail,
)
from common.archive.store import LocalStore, S3Store, StoredObject, ThumbnailStore, thumbnail_key

__all__ = [
    "UNFETCHABLE_STATES",
    "ArchiveError",
    "ArchiveReport",
    "ArchivedImage",
    "Image",
    "LocalStore",
    "S3Store",
    "StoreError",
    "StoredObject",
    "ThumbnailArchiver",
    "ThumbnailFetcher",
    "ThumbnailRejected",
    "ThumbnailStore",
    "archived_thumbnail",
    "sniff_image_type",
    "thumbnail_key",
    "thumbnail_path",
    "videos_with_thumbnail",
]
