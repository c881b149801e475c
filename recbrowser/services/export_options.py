"""What an export is asked to do and what it reports: options, progress, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol

from recbrowser import __version__
from recbrowser.services import pii
from recbrowser.services.audio_convert import TARGETS
from recbrowser.services.export_names import DEFAULT_TEMPLATE

AUDIO_CHOICES = ("original", *TARGETS)


class CancelToken(Protocol):
    """What a caller may pass as `cancelled`: a threading.Event or anything with is_set()."""

    def is_set(self) -> bool: ...


@dataclass
class ExportOptions:
    audio: str = "original"  # or "mp3", "wav"
    transcripts: tuple[str, ...] = ("txt",)
    template: str = DEFAULT_TEMPLATE
    tz: tzinfo | None = None  # None: the user's local zone
    workers: int | None = None  # conversion processes; None: one per core
    redact_pii: bool = False  # mask card numbers, phone numbers, e-mails in transcripts, summaries, notes
    redact_call_numbers: bool = False  # also the call's own from/to numbers, everywhere (implies redact_pii)

    def redacted(self) -> list[str]:
        """What is masked, as the manifest's settings list it."""
        kinds = list(pii.KINDS) if self.redact_pii or self.redact_call_numbers else []
        return kinds + ["call_numbers"] if self.redact_call_numbers else kinds

    def settings(self) -> dict[str, Any]:
        zone = getattr(self.tz, "key", None) or (str(self.tz) if self.tz else "local")
        return {"audio": self.audio, "transcripts": list(self.transcripts), "template": self.template,
                "time_zone": zone, "redact_pii": self.redacted(), "tool": f"recbrowser {__version__}"}


@dataclass
class ExportProgress:
    calls_done: int
    calls_total: int
    bytes_done: int  # recording bytes handled (downloaded, copied or converted)
    bytes_total: int
    elapsed_s: float
    current: str = ""

    @property
    def eta_s(self) -> float | None:
        if self.bytes_done <= 0 or self.bytes_total <= 0:
            if self.calls_done <= 0:
                return None
            return self.elapsed_s / self.calls_done * (self.calls_total - self.calls_done)
        return self.elapsed_s / self.bytes_done * max(0, self.bytes_total - self.bytes_done)


@dataclass
class Outcome:
    ref: str
    reason: str = ""


@dataclass
class ExportSummary:
    location: Path | None  # None when cancelled: run again to finish
    exported: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)  # skipped calls whose row or transcripts were redone
    failed: list[Outcome] = field(default_factory=list)
    cancelled: bool = False
