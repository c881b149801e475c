"""The team archive's media in a real SeaweedFS: content-addressed, verified, one-sentence errors."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid

import httpx
import pytest
from minio import Minio

from recbrowser.errors import UserFacingError
from recbrowser.team.media_store import (
    MediaAccessDenied,
    MediaCorrupt,
    MediaMissing,
    MediaStore,
    MediaUnreachable,
    parse_media_url,
)
from recbrowser.team.s3_server import KeyPair, free_ports


def store_for(server, key: KeyPair, prefix: str, bucket: str = "media", endpoint: str | None = None) -> MediaStore:
    return MediaStore(bucket, prefix, access_key=key.access_key, secret_key=key.secret_key,
                      endpoint=endpoint or server.endpoint)


def raw(server) -> Minio:
    key = server.write_key
    return Minio(server.endpoint.removeprefix("http://"), access_key=key.access_key, secret_key=key.secret_key,
                 secure=False, region="us-east-1")


@pytest.fixture
def prefix() -> str:
    return f"team-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "call.wav"
    path.write_bytes(b"RIFF" + bytes(range(256)) * 400)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def one_sentence(text: str) -> None:
    assert "\n" not in text and text.endswith(".") and "Traceback" not in text


def test_put_stores_by_sha256_and_the_read_key_gets_it_back_verified(s3_server, prefix, recording, tmp_path):
    path, digest = recording
    stored = store_for(s3_server, s3_server.write_key, prefix).put(path)
    assert stored.key == f"{prefix}/sha256/{digest[:2]}/{digest}"
    assert raw(s3_server).stat_object("media", stored.key).size == path.stat().st_size

    dest = tmp_path / "cache" / "call.wav"
    store_for(s3_server, s3_server.read_key, prefix).get(digest, dest, size=path.stat().st_size)
    assert dest.read_bytes() == path.read_bytes()
    assert not dest.with_name("call.wav.part").exists()


def test_put_of_an_already_archived_file_writes_nothing(s3_server, prefix, recording, tmp_path):
    path, digest = recording
    store_for(s3_server, s3_server.write_key, prefix).put(path)
    reader = store_for(s3_server, s3_server.read_key, prefix)
    # The read-only key cannot write: the second put only succeeds because it skips the upload.
    assert reader.put(path).uploaded is False
    other = tmp_path / "other.wav"
    other.write_bytes(b"another recording")
    with pytest.raises(MediaAccessDenied, match="may not write in bucket 'media'"):
        reader.put(other)


def test_object_damaged_in_storage_is_refused_and_nothing_local_is_lost(s3_server, prefix, recording, tmp_path):
    path, digest = recording
    key = store_for(s3_server, s3_server.write_key, prefix).put(path).key
    size = path.stat().st_size
    raw(s3_server).put_object("media", key, io.BytesIO(b"\0" * size), size)  # same size, other bytes

    dest = tmp_path / "cache" / "call.wav"
    dest.parent.mkdir()
    dest.write_bytes(b"the copy the supervisor already had")
    with pytest.raises(MediaCorrupt) as e:
        store_for(s3_server, s3_server.read_key, prefix).get(digest, dest)
    one_sentence(str(e.value))
    assert "does not match its SHA-256" in str(e.value)
    assert dest.read_bytes() == b"the copy the supervisor already had"
    assert not dest.with_name("call.wav.part").exists()


def test_put_repairs_an_object_another_writer_overwrote(s3_server, prefix, recording, tmp_path):
    path, digest = recording
    writer = store_for(s3_server, s3_server.write_key, prefix)
    key = writer.put(path).key
    size = path.stat().st_size
    raw(s3_server).put_object("media", key, io.BytesIO(b"\0" * size), size)
    assert writer.put(path).uploaded is True
    store_for(s3_server, s3_server.read_key, prefix).get(digest, tmp_path / "back.wav")
    assert (tmp_path / "back.wav").read_bytes() == path.read_bytes()


def test_presigned_url_serves_the_recording_over_plain_http(s3_server, prefix, recording):
    path, digest = recording
    store_for(s3_server, s3_server.write_key, prefix).put(path)
    url = store_for(s3_server, s3_server.read_key, prefix).presigned_url(digest)
    assert s3_server.read_key.secret_key not in url
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.content == path.read_bytes()


def test_missing_recording_says_it_is_not_archived_yet(s3_server, prefix, tmp_path):
    with pytest.raises(MediaMissing, match="not in the team's object storage") as e:
        store_for(s3_server, s3_server.read_key, prefix).get("ab" * 32, tmp_path / "x.wav")
    one_sentence(str(e.value))
    assert not (tmp_path / "x.wav").exists() and not (tmp_path / "x.wav.part").exists()


def test_unreachable_endpoint_is_one_sentence_naming_the_host(s3_server, prefix, recording, tmp_path):
    (port,) = free_ports(1)
    store = store_for(s3_server, s3_server.write_key, prefix, endpoint=f"http://127.0.0.1:{port}")
    for action in (lambda: store.check_bucket(), lambda: store.put(recording[0]),
                   lambda: store.get(recording[1], tmp_path / "x.wav")):
        with pytest.raises(MediaUnreachable) as e:
            action()
        one_sentence(str(e.value))
        assert f"127.0.0.1:{port} cannot be reached" in str(e.value)
        assert s3_server.write_key.secret_key not in str(e.value)


def test_wrong_secret_key_is_one_sentence_without_the_key(s3_server, prefix, recording, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = KeyPair(s3_server.read_key.access_key, "wrong-" + s3_server.read_key.secret_key)
    store = store_for(s3_server, wrong, prefix)
    # get is a GET (the error has a body); put first asks with a HEAD (no body: 403 only).
    for action in (lambda: store.get(recording[1], tmp_path / "x.wav"), lambda: store.put(recording[0])):
        with pytest.raises(MediaAccessDenied) as e:
            action()
        one_sentence(str(e.value))
        assert "does not accept the profile's S3 key pair" in str(e.value)
        assert wrong.secret_key not in str(e.value)
    assert wrong.secret_key not in caplog.text


def test_check_bucket_tells_read_only_from_writable_and_missing(s3_server, prefix):
    store_for(s3_server, s3_server.write_key, prefix).check_bucket(writable=True)
    reader = store_for(s3_server, s3_server.read_key, prefix)
    reader.check_bucket()
    with pytest.raises(MediaAccessDenied, match="may not write"):
        reader.check_bucket(writable=True)
    with pytest.raises(MediaMissing, match="The bucket 'no-such-bucket' does not exist at 127.0.0.1") as e:
        store_for(s3_server, s3_server.write_key, prefix, bucket="no-such-bucket").check_bucket()
    one_sentence(str(e.value))


@pytest.mark.parametrize("url, expected", [
    ("s3://media", ("media", "")),
    ("s3://team-archive/calls/2026/", ("team-archive", "calls/2026")),
])
def test_media_urls_name_a_bucket_and_prefix(url, expected):
    assert parse_media_url(url) == expected


@pytest.mark.parametrize("url", ["media", "https://media/x", "s3://", "s3://UPPER", "s3://key:secret@media",
                                 "s3://media:9000/x", "s3://a/x?versionId=1"])
def test_bad_media_url_is_refused_in_one_sentence(url):
    with pytest.raises(UserFacingError) as e:
        parse_media_url(url)
    one_sentence(str(e.value))
    assert "secret" not in str(e.value).replace("--secrets-stdin", "")


def test_bad_endpoint_is_refused_without_repeating_a_key():
    from recbrowser.team.media_store import parse_endpoint

    for endpoint in ("ftp://host", "http://AKIA:topsecret@host:9000", "http://host:9000/bucket"):
        with pytest.raises(UserFacingError) as e:
            parse_endpoint(endpoint)
        one_sentence(str(e.value))
        assert "topsecret" not in str(e.value)
    assert parse_endpoint("https://s3.example.com:9000") == ("s3.example.com:9000", True)
    assert parse_endpoint(None) == ("s3.amazonaws.com", True)
