"""The thumbnail archive in an S3-compatible bucket (moto's in-memory S3), through real scans."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto import mock_aws
from sqlalchemy.orm import Session

from common import runtime
from common.archive import S3Store, StoreError, archived_thumbnail
from common.settings import reset_settings
from tests.archive.conftest import archived, checks, let_retries_come_due
from tests.health.proxy import TcpProxy
from tests.support import Tracker

BUCKET = "ytdt-archive"
TIGRIS = "https://fly.storage.tigris.dev"


@pytest.fixture
def aws() -> Iterator[None]:
    """Moto's S3 with throwaway credentials; nothing leaves the process."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)
    reset_settings()
    with mock_aws():
        yield


def bucket_keys(endpoint: str | None = None) -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    listing = s3.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def make_bucket(endpoint: str | None = None) -> None:
    boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)


def served(tracker: Tracker, video_id: str) -> bytes:
    with Session(tracker.engine) as session:
        return archived_thumbnail(session, runtime.archive_store(), video_id).data


def scan_channel_of(tracker: Tracker, n: int, seed: int) -> tuple[str, list[str]]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@bucket")
    ids = world.generate_videos(channel.id, n, seed=seed)
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"
    return channel.id, ids


def test_thumbnails_go_to_the_bucket_once_and_come_back_after_deletion(
    aws: None, tracker: Tracker
) -> None:
    make_bucket()
    os.environ["ARCHIVE_BUCKET"] = BUCKET
    reset_settings()
    assert isinstance(runtime.archive_store(), S3Store)
    channel_id, ids = scan_channel_of(tracker, 3, seed=21)
    rows = archived(tracker.engine)
    assert bucket_keys() == sorted(r.storage_key for r in rows)
    assert len(rows) == 3

    original = httpx.get(f"{tracker.fake.base_url}/vi/{ids[0]}/maxresdefault.jpg").content
    s3 = boto3.client("s3", region_name="us-east-1")
    head = s3.head_object(Bucket=BUCKET, Key=rows[0].storage_key)
    assert head["ContentType"] == "image/jpeg"

    tracker.fake.world.retitle(ids[0], "Renamed")  # checked again: same image, no new object
    tracker.scan(channel_id)
    assert len(bucket_keys()) == 3

    tracker.fake.world.delete(ids[0])
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert tracker.video(ids[0]).state == "deleted"
    assert served(tracker, ids[0]) == original


def test_fly_tigris_settings_reach_the_bucket(
    aws: None, tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fly Tigris sets BUCKET_NAME and AWS_ENDPOINT_URL_S3; moto answers that endpoint only
    # when told to (MOTO_S3_CUSTOM_ENDPOINTS), otherwise the client would try the network.
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", TIGRIS)
    make_bucket(TIGRIS)
    os.environ.update(BUCKET_NAME=BUCKET, AWS_ENDPOINT_URL_S3=TIGRIS, AWS_REGION="auto")
    reset_settings()
    _, ids = scan_channel_of(tracker, 2, seed=22)
    assert len(bucket_keys(TIGRIS)) == 2
    assert {r.video_id for r in archived(tracker.engine)} == set(ids)
    assert served(tracker, ids[1]).startswith(b"\xff\xd8")


def test_a_missing_bucket_does_not_break_the_scan_and_is_retried(
    aws: None, tracker: Tracker
) -> None:
    os.environ["ARCHIVE_BUCKET"] = BUCKET  # not created yet
    reset_settings()
    channel_id, ids = scan_channel_of(tracker, 2, seed=23)
    assert tracker.video_count(channel_id) == 2
    failed = checks(tracker.engine)
    assert {c.attempts for c in failed.values()} == {1}
    assert all("NoSuchBucket" in (c.last_error or "") for c in failed.values())
    assert archived(tracker.engine) == []

    make_bucket()
    let_retries_come_due(tracker.engine)
    assert tracker.scan(channel_id).outcome == "scanned"
    assert len(bucket_keys()) == 2
    assert {r.video_id for r in archived(tracker.engine)} == set(ids)


def test_a_hung_bucket_fails_within_the_http_timeout() -> None:
    # No moto: a real boto3 client against an endpoint that accepts and never answers.
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        ARCHIVE_BUCKET=BUCKET,
        HTTP_TIMEOUT_S="0.5",
    )
    hung = TcpProxy("127.0.0.1", 9).start()
    hung.mode = "blackhole"
    os.environ["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{hung.port}"
    reset_settings()
    try:
        store = runtime.archive_store()
        started = time.monotonic()
        with pytest.raises(StoreError):
            store.exists(f"thumbnails/dQw4w9WgXcQ/{'0' * 64}.jpg")
        # Two attempts of at most 0.5 s each, with a short backoff; not boto3's minutes.
        assert time.monotonic() - started < 5
    finally:
        hung.stop()
