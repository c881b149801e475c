"""A real, throw-away PostgreSQL server for the tests and the team demo.

`PostgresServer().start()` runs initdb in a temporary folder and starts `postgres` on
127.0.0.1 and a free port; `stop()` shuts it down and deletes the folder, whatever happened.
Nothing is installed or registered: no service, no cluster in /etc, no socket in /run.

PostgreSQL refuses to run as root, and CI runs as root: then initdb and postgres run as an
unprivileged user (`nobody` by default) through setpriv, with the folder chowned to it.

Host connections use scram-sha-256 (a random superuser password, given only in `url`), so a
test that logs in as a supervisor with a password exercises a real password login.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from recbrowser.errors import UserFacingError

PG_BIN_ENV = "RECBROWSER_PG_BIN"
READY_TIMEOUT_S = 60.0


class PostgresUnavailable(UserFacingError):
    """The PostgreSQL programs are missing, or the server would not start."""


def find_bin_dir() -> Path:
    """The folder holding initdb and postgres: $RECBROWSER_PG_BIN, else the newest Debian one,
    else wherever `pg_config --bindir` points."""
    candidates: list[str] = []
    if os.environ.get(PG_BIN_ENV):  # when set, only there: a wrong folder is an error, not a fallback
        candidates.append(os.environ[PG_BIN_ENV])
    else:
        candidates += _installed()
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "postgres").is_file():
            return Path(c)
    raise PostgresUnavailable(
        "PostgreSQL is not installed here: install Debian's postgresql package (./run test does), "
        f"or set {PG_BIN_ENV} to the folder holding initdb and postgres."
    )


def _installed() -> list[str]:
    candidates: list[str] = []
    debian = [p for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p).parent.name.isdigit()]
    candidates += sorted(debian, key=lambda p: int(Path(p).parent.name), reverse=True)
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(out.stdout.strip())
    return candidates


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One private cluster. Use as a context manager, or call start() and stop()."""

    def __init__(self, *, run_as: str = "nobody", durable: bool = False) -> None:
        # durable=False turns fsync off: a throw-away cluster for tests and the demo does not
        # need to survive a power cut, and fsync makes each commit ~10x slower on CI disks.
        self.run_as = run_as
        self.durable = durable
        self.port = 0
        self.password = ""
        self.folder: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._prefix: list[str] = []
        self._owner: tuple[int, int] | None = None  # (uid, gid) the server runs as, when we are root

    @property
    def url(self) -> str:
        """The superuser's URL (holds the random password: never print or log it)."""
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def url_for(self, user: str, password: str, dbname: str = "postgres") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> PostgresServer:
        bin_dir = find_bin_dir()
        try:
            self._prepare()
            self._initdb(bin_dir)
            self._launch(bin_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="recbrowser-pg-"))
        self.password = secrets.token_urlsafe(18)
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(self.run_as)
            except KeyError:
                raise PostgresUnavailable(
                    f"PostgreSQL cannot run as root and there is no user '{self.run_as}' to run it as: "
                    "create one, or run the tests as an ordinary user."
                ) from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
            self._owner = (user.pw_uid, user.pw_gid)
        else:
            self._owner = None

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        # cwd: the unprivileged user may not be able to read the caller's folder.
        return subprocess.run([*self._prefix, *argv], capture_output=True, text=True, cwd=self.folder,
                              env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}, timeout=120)

    def _initdb(self, bin_dir: Path) -> None:
        assert self.folder is not None
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password)
        os.chmod(pwfile, 0o600)
        if self._owner:
            os.chown(pwfile, *self._owner)
        try:
            done = self._run([
                str(bin_dir / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres", f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise PostgresUnavailable(f"PostgreSQL's initdb failed: {_last_line(done.stderr or done.stdout)}")

    def _launch(self, bin_dir: Path, port: int | None = None) -> None:
        assert self.folder is not None
        log = self.folder / "server.log"
        for _attempt in range(1 if port else 3):  # the free port may be taken between the probe and the bind
            self.port = port or free_port()
            settings = {
                "listen_addresses": "127.0.0.1", "port": str(self.port), "unix_socket_directories": "",
                "max_connections": "100", "shared_buffers": "128MB", "logging_collector": "off",
            }
            if not self.durable:
                settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
            argv = [str(bin_dir / "postgres"), "-D", str(self.folder / "data")]
            for k, v in settings.items():
                argv += ["-c", f"{k}={v}"]
            with open(log, "ab") as out:
                if self._owner:
                    os.chown(log, *self._owner)
                # start_new_session: Ctrl+C in a terminal goes to us, and stop() shuts it down cleanly.
                self._proc = subprocess.Popen([*self._prefix, *argv], stdout=out, stderr=subprocess.STDOUT,
                                              cwd=self.folder, start_new_session=True)
            if self._wait_ready(log):
                return
            self._terminate()
        raise PostgresUnavailable(f"PostgreSQL would not start: {_last_line(_tail(log))}")

    def _wait_ready(self, log: Path) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if "ready to accept connections" in _tail(log):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            time.sleep(0.05)
        return False

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        # SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, no waiting for clients).
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def pause(self) -> None:
        """Shut the server down and keep its data (the archive going away, for a test)."""
        self._terminate()

    def resume(self) -> None:
        """Start it again after pause(), with the same data, port and password."""
        if self.running() or self.folder is None:
            return
        log = self.folder / "server.log"
        if log.exists():  # ready means this start's "ready to accept connections", not the last one's
            log.replace(self.folder / "server.log.1")
        self._launch(find_bin_dir(), self.port)

    def stop(self) -> None:
        """Shut the server down and delete its folder; safe to call twice or after a failed start."""
        try:
            self._terminate()
        finally:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None


def _tail(path: Path, size: int = 8192) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
