"""The team archive's media in S3-compatible object storage, addressed by content:
`PREFIX/sha256/ab/abcdef...` (the SHA-256 of the file), so a recording is stored once however
many calls or workers name it, and a download can prove it got the right bytes.

Client: `minio`. It is S3-compatible-first (tested against MinIO, Ceph, SeaweedFS and AWS alike),
small (pure Python over urllib3: no service models to load, unlike boto3/botocore's ~100 ms
import and tens of MB), synchronous like our workers, and presigns GET URLs offline. obstore
is fast but async-first Rust, and its errors are harder to turn into our one-sentence messages.

Every failure is a `MediaStoreError`: one sentence naming the host and what to check, built
here from the S3 error code only, so no key, signature or presigned URL ever reaches an
error message or a log.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import S3Error

from recbrowser.errors import UserFacingError
from recbrowser.redact import register_secret

log = logging.getLogger("recbrowser.team.media")

CHUNK = 1 << 20
DEFAULT_REGION = "us-east-1"  # what S3-compatible servers expect; saves a bucket-location request
T = TypeVar("T")


class MediaStoreError(UserFacingError):
    """The team's object storage cannot be used; the message says what to check."""


class MediaUnreachable(MediaStoreError):
    pass


class MediaAccessDenied(MediaStoreError):
    """Wrong key pair, or a key pair without the permission asked for."""


class MediaMissing(MediaStoreError):
    """No such bucket, or no such object."""


class MediaCorrupt(MediaStoreError):
    """The bytes downloaded are not the ones the archive recorded."""


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str
    size: int
    uploaded: bool  # False: the object was already there with the same size and checksum


def parse_media_url(url: str) -> tuple[str, str]:
    """`s3://BUCKET[/PREFIX]` -> (bucket, prefix without slashes at either end)."""
    parts = urlsplit(url.strip())
    bucket = parts.hostname or ""
    if (parts.scheme != "s3" or not bucket or parts.username or parts.password or parts.port
            or parts.query or parts.fragment or not _valid_bucket(parts.netloc)):
        raise UserFacingError(
            f"{_shown(url)!r} is not an object storage address; use s3://BUCKET or s3://BUCKET/PREFIX "
            "(a bucket name of 3-63 lowercase letters, digits, dots or hyphens; keys go in --secrets-stdin)."
        )
    return parts.netloc, parts.path.strip("/")


def _shown(url: str) -> str:
    """`url` as it may be echoed: a `user:password@` part is replaced, never repeated."""
    scheme, sep, rest = url.strip().partition("://")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}{sep}{netloc}{slash}{path}"


def _valid_bucket(name: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    return 3 <= len(name) <= 63 and set(name) <= allowed and name[0].isalnum() and name[-1].isalnum()


def parse_endpoint(endpoint: str | None) -> tuple[str, bool]:
    """`http(s)://HOST[:PORT]` -> ("HOST[:PORT]", secure). None means AWS S3."""
    if not endpoint:
        return "s3.amazonaws.com", True
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.path.strip("/") or parts.query:
        raise UserFacingError(
            f"--s3-endpoint {_shown(endpoint)!r} is not a server address; use http(s)://HOST[:PORT] with no path "
            "and no key in it (keys go in --secrets-stdin)."
        )
    return parts.netloc, parts.scheme == "https"


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class MediaStore:
    """One bucket (and prefix) of the team's object storage, with one key pair."""

    def __init__(self, bucket: str, prefix: str = "", *, access_key: str, secret_key: str,
                 endpoint: str | None = None, region: str | None = None,
                 connect_timeout_s: float = 10.0, read_timeout_s: float = 60.0) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.host, secure = parse_endpoint(endpoint)
        register_secret(secret_key)  # masked in every log line, should a library ever print it
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
            # Two quick retries for a dropped connection; an unreachable host fails in seconds.
            retries=urllib3.Retry(total=2, connect=1, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            maxsize=10,
        )
        self.client = Minio(self.host, access_key=access_key, secret_key=secret_key, secure=secure,
                            region=region or (DEFAULT_REGION if endpoint else None), http_client=http)

    @classmethod
    def from_url(cls, media_url: str, **kwargs) -> MediaStore:
        bucket, prefix = parse_media_url(media_url)
        return cls(bucket, prefix, **kwargs)

    def __repr__(self) -> str:
        return f"MediaStore(s3://{self.bucket}/{self.prefix} at {self.host})"

    def key_for(self, sha256: str) -> str:
        sha256 = sha256.lower()
        if len(sha256) != 64 or not set(sha256) <= set("0123456789abcdef"):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return "/".join(p for p in (self.prefix, "sha256", sha256[:2], sha256) if p)

    # -- operations ----------------------------------------------------------------------------
    def check_bucket(self, *, writable: bool = False) -> None:
        """The bucket exists and the key pair may list it (and, with `writable`, write and
        delete in it): raises a MediaStoreError saying which is not so."""
        probe = "/".join(p for p in (self.prefix, ".recbrowser-check") if p)
        self._run("read", lambda: next(iter(self.client.list_objects(self.bucket, prefix=probe + "/")), None))
        if writable:
            name = f"{probe}/{secrets.token_hex(8)}"
            self._run("write", lambda: self.client.put_object(self.bucket, name, io.BytesIO(b"ok"), 2))
            self._run("write", lambda: self.client.remove_object(self.bucket, name))

    def stored_size(self, sha256: str) -> int | None:
        """The stored object's size if it is there with this checksum recorded, else None."""
        key = self.key_for(sha256)
        try:
            stat = self.client.stat_object(self.bucket, key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "ResourceNotFound"):
                return None
            raise self._error(e, "read", head=True) from None
        except urllib3.exceptions.HTTPError as e:
            raise self._unreachable(e) from None
        recorded = {k.lower(): v for k, v in (stat.metadata or {}).items()}.get("x-amz-meta-sha256")
        return stat.size if recorded == sha256.lower() else None

    def put(self, path: Path, sha256: str | None = None) -> PutResult:
        """Upload `path` under its SHA-256, unless it is already stored with the same size and
        checksum (several workers may archive the same recording: the second one skips)."""
        digest, size = sha256_of(path)
        if sha256 and sha256.lower() != digest:
            raise MediaCorrupt(f"{path.name} changed on disk since it was downloaded (its SHA-256 differs); download it again.")
        key = self.key_for(digest)
        if self.stored_size(digest) == size:
            return PutResult(key, digest, size, uploaded=False)
        with open(path, "rb") as f:
            self._run("write", lambda: self.client.put_object(self.bucket, key, f, size,
                                                              metadata={"sha256": digest}))
        log.info("stored %s (%d bytes) in the team's object storage", key, size)
        return PutResult(key, digest, size, uploaded=True)

    def get(self, sha256: str, dest: Path, size: int | None = None) -> Path:
        """Download into `dest` through `dest.part` (fsynced, then renamed), verifying SHA-256
        (and size when given): on a mismatch the part file is deleted, `dest` is left as it
        was, and MediaCorrupt says so."""
        sha256 = sha256.lower()
        key = self.key_for(sha256)
        part = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest, got = hashlib.sha256(), 0
        try:
            response = self._run("read", lambda: self.client.get_object(self.bucket, key))
            try:
                with open(part, "wb") as out:
                    for block in response.stream(CHUNK):
                        digest.update(block)
                        got += len(block)
                        out.write(block)
                    out.flush()
                    os.fsync(out.fileno())
            except urllib3.exceptions.HTTPError as e:
                raise self._unreachable(e) from None
            finally:
                response.close()
                response.release_conn()
            if digest.hexdigest() != sha256 or (size is not None and got != size):
                raise MediaCorrupt(
                    f"The recording {sha256[:12]} downloaded from the team's object storage at {self.host} "
                    "does not match its SHA-256 (damaged in storage); it was not saved: ask the admin to "
                    "re-archive it from the provider."
                )
            os.replace(part, dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        _fsync_dir(dest.parent)
        return dest

    def presigned_url(self, sha256: str, expires: timedelta = timedelta(hours=1)) -> str:
        """A GET URL anyone holding it can use until it expires (a player streams from it):
        pass it to the player, never to a log."""
        key = self.key_for(sha256)
        return self._run("read", lambda: self.client.presigned_get_object(self.bucket, key, expires=expires))

    # -- errors --------------------------------------------------------------------------------
    def _run(self, action: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except S3Error as e:
            failure: MediaStoreError = self._error(e, action)
        except urllib3.exceptions.HTTPError as e:
            failure = self._unreachable(e)
        raise failure  # outside `except`: nothing of the request is chained

    def _unreachable(self, e: Exception) -> MediaUnreachable:
        cause = getattr(e, "reason", None) or e
        text = type(cause).__name__
        why = ("host name not found" if "NameResolution" in text else
               "TLS handshake failed" if "SSL" in text else
               "no answer in time" if "Timeout" in text else
               "connection refused or dropped")
        return MediaUnreachable(
            f"The team's object storage at {self.host} cannot be reached ({why}); check that the server "
            "is running and the profile's S3 endpoint, then retry."
        )

    def _error(self, e: S3Error, action: str, head: bool = False) -> MediaStoreError:
        code = e.code
        if head and code == "AccessDenied":
            # A HEAD answer has no body: 403 could be a wrong key too. Ask with a GET to learn which.
            try:
                self.check_bucket()
            except MediaStoreError as precise:
                return precise
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
            return MediaAccessDenied(
                f"The team's object storage at {self.host} does not accept the profile's S3 key pair ({code}); "
                "check access_key and secret_key, then run `recbrowser team connect` again."
            )
        if code == "NoSuchBucket":
            return MediaMissing(
                f"The bucket '{self.bucket}' does not exist at {self.host}; check the profile's --media "
                "address or ask the admin to create it."
            )
        if code == "AccessDenied":
            return MediaAccessDenied(
                f"The profile's S3 key pair may not {action} in bucket '{self.bucket}' at {self.host}; "
                f"ask the admin for a key with {action} access."
            )
        if code in ("NoSuchKey", "ResourceNotFound"):
            return MediaMissing(
                f"This recording is not in the team's object storage at {self.host} yet; "
                "it is archived when `team serve` next fetches it: retry later."
            )
        return MediaStoreError(f"The team's object storage at {self.host} refused to {action} ({code}); retry later.")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable enough
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
