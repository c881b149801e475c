"""Fault injection for the emulators: parse `--fault SPEC` strings and hand faults out per request.

Syntax: ``KIND[:key=value,key=value...]``. Every fault takes

- ``times=N``: how many requests it hits (default 1); ``times=0`` or ``times=always`` = forever;
- ``path=TEXT``: only requests whose path contains TEXT (e.g. ``cdr/search``, ``/api/download``).

Kinds and their own keys:

====================  =========================================================================
``429``               HTTP 429 Too Many Requests; ``retry_after=S`` (default 1) sets Retry-After.
``5xx``               an HTTP server error; ``status=N`` (default 503).
``slow``              wait ``seconds=S`` (default 2) before answering; with ``stage=body`` the
                      wait happens half-way through sending the body instead.
``drop``              close the connection without answering.
``truncate``          announce the full Content-Length, send half the body, close.
``malformed-json``    a JSON answer is cut short (invalid JSON, HTTP 200).
``errcode``           answer ``{"errcode": code, "errmsg": ...}`` instead; ``code=N`` (default -1).
``expired-url``       provider-specific: a download link is treated as expired.
``token-expiry``      provider-specific: after ``after=N`` more API requests (default 0) the live
                      access tokens are declared expired (Yeastar: step-2 download links too).
====================  =========================================================================

Examples: ``429:times=3,retry_after=1,path=cdr/search``, ``5xx:times=2``, ``slow:seconds=0.2,times=0``,
``truncate:path=/api/download``, ``token-expiry:after=4``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

KINDS = ("429", "5xx", "slow", "drop", "truncate", "malformed-json", "errcode", "expired-url", "token-expiry")
_KEYS = {
    "429": {"retry_after"},
    "5xx": {"status"},
    "slow": {"seconds", "stage"},
    "errcode": {"code", "errmsg"},
    "token-expiry": {"after"},
}


class FaultSpecError(ValueError):
    """A `--fault` string that does not follow the syntax above."""


@dataclass
class Fault:
    kind: str
    times: int = 1  # 0 = forever
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)
    fired: int = 0
    spec: str = ""

    @property
    def active(self) -> bool:
        return self.times == 0 or self.fired < self.times

    def applies_to(self, path: str) -> bool:
        return self.active and (not self.path or self.path in path)

    def number(self, key: str, default: float) -> float:
        try:
            return float(self.params.get(key, default))
        except ValueError:
            raise FaultSpecError(f"fault {self.spec!r}: {key} must be a number") from None


def parse_fault(spec: str) -> Fault:
    """Parse one ``KIND[:key=value,...]`` string; raise FaultSpecError with a usable sentence."""
    kind, _, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise FaultSpecError(f"unknown fault kind {kind!r} in {spec!r}; use one of: {', '.join(KINDS)}")
    fault = Fault(kind=kind, spec=spec)
    allowed = _KEYS.get(kind, set()) | {"times", "path"}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep and key == "always":  # `KIND:always` is a shorthand for times=0
            fault.times = 0
            continue
        if not sep or key not in allowed:
            raise FaultSpecError(f"fault {spec!r}: {item!r} is not one of {sorted(allowed)} as key=value")
        if key == "times":
            if value.lower() in ("always", "forever", "0"):
                fault.times = 0
            elif value.isdigit():
                fault.times = int(value)
            else:
                raise FaultSpecError(f"fault {spec!r}: times must be a whole number or 'always'")
        elif key == "path":
            fault.path = value
        else:
            fault.params[key] = value
    for key in ("retry_after", "status", "seconds", "code", "after"):
        if key in fault.params:
            fault.number(key, 0)  # validate early, at parse time
    return fault


class FaultSet:
    """The faults of one running server. Thread-safe: handler threads call `take` concurrently."""

    def __init__(self, specs: tuple[str, ...] | list[str] = ()):
        self._lock = threading.Lock()
        self.faults: list[Fault] = [parse_fault(s) for s in specs]

    def add(self, spec: str | Fault) -> Fault:
        fault = spec if isinstance(spec, Fault) else parse_fault(spec)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def peek(self, kind: str, path: str) -> Fault | None:
        """The first active fault of `kind` for `path`, without using it up."""
        with self._lock:
            return next((f for f in self.faults if f.kind == kind and f.applies_to(path)), None)

    def take(self, kind: str, path: str) -> Fault | None:
        """Like `peek`, but counts one use (so `times` runs down)."""
        with self._lock:
            for f in self.faults:
                if f.kind == kind and f.applies_to(path):
                    f.fired += 1
                    return f
        return None

    def fired(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(f.fired for f in self.faults if kind is None or f.kind == kind)
