"""Where archived thumbnails live: an S3-compatible bucket (boto3) or a local folder.

Keys are ``thumbnails/{video_id}/{sha256}.{ext}``: a video's distinct images, each stored once.
Both stores turn their own failures into ``StoreError``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from common.archive.errors import StoreError

__all__ = [
    "CONTENT_TYPES",
    "LocalStore",
    "S3Store",
    "StoredObject",
    "ThumbnailStore",
    "thumbnail_key",
]

# The image types the archive keeps, by content type, with the extension of their keys.
CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
_TYPE_OF_EXTENSION = {ext: ctype for ctype, ext in CONTENT_TYPES.items()}
_KEY = re.compile(r"^thumbnails/[A-Za-z0-9_-]{11}/[0-9a-f]{64}\.(jpg|png|gif|webp)$")


def thumbnail_key(video_id: str, sha256: str, content_type: str) -> str:
    """The storage key of one image of one video."""
    key = f"thumbnails/{video_id}/{sha256}.{CONTENT_TYPES.get(content_type, 'bin')}"
    _check_key(key)
    return key


def _check_key(key: str) -> None:
    # Keys are built here; refusing anything else keeps a bad row from reaching outside the store.
    if not _KEY.match(key):
        raise StoreError(f"not an archive key: {key!r}")


@dataclass(frozen=True, slots=True)
class StoredObject:
    data: bytes
    content_type: str


class ThumbnailStore(Protocol):
    """An object store for archived thumbnails."""

    @property
    def description(self) -> str:
        """Where the images go, for logs and the CLI (never a secret)."""
        ...

    def exists(self, key: str) -> bool: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> StoredObject | None:
        """The object, or None when the store does not hold it."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...


class LocalStore:
    """A folder on disk (the embedded default); writes are atomic (temporary file, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def description(self) -> str:
        return f"folder {self.root}"

    def _path(self, key: str) -> Path:
        _check_key(key)
        return self.root / key

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write {key} under {self.root}: {exc.strerror}") from exc

    def get(self, key: str) -> StoredObject | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {key} under {self.root}: {exc.strerror}") from exc
        content_type = _TYPE_OF_EXTENSION.get(path.suffix.lstrip("."), "application/octet-stream")
        return StoredObject(data, content_type)

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete {key} under {self.root}: {exc.strerror}") from exc


def _client_error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Store:
    """An S3-compatible bucket (AWS S3, Fly Tigris) through a boto3 S3 client (thread-safe)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    @property
    def description(self) -> str:
        return f"bucket {self.bucket}"

    def exists(self, key: str) -> bool:
        _check_key(key)
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _client_error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._error("check", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("check", key, exc) from exc
        return True

    def put(self, key: str, data: bytes, content_type: str) -> None:
        _check_key(key)
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                # Content-addressed: an object never changes once written.
                CacheControl="public, max-age=31536000, immutable",
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error("write", key, exc) from exc

    def get(self, key: str) -> StoredObject | None:
        _check_key(key)
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            data = answer["Body"].read()
        except ClientError as exc:
            if _client_error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._error("read", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("read", key, exc) from exc
        return StoredObject(data, str(answer.get("ContentType") or "application/octet-stream"))

    def delete(self, key: str) -> None:
        _check_key(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise self._error("delete", key, exc) from exc

    def _error(self, action: str, key: str, exc: Exception) -> StoreError:
        detail = _client_error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return StoreError(f"cannot {action} {key} in bucket {self.bucket}: {detail or exc}")
