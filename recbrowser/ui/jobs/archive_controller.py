"""Archive before expiry from the window: what expires soon (counted in a worker), and the
download of it in a worker with progress and Cancel, ending in the service's one sentence.

The reminder count is the same indexed query `recbrowser archive --dry-run` runs; it is asked
after each sync and at start-up, never on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from recbrowser.store import open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task
from recbrowser.ui.jobs.background_job import BackgroundJob

if TYPE_CHECKING:
    from recbrowser.services.archive import ArchiveSummary

# recbrowser.services.archive (and the download service it uses, ~10 ms) is imported by the
# workers that need it, not by the UI thread while it builds the window.

REMINDER_DAYS = 7  # a week's notice: enough to act on, short enough not to nag


@dataclass(frozen=True)
class Expiring:
    within_days: int
    calls: int
    recordings: int
    bytes: int | None  # None when no recording's size is known
    sizes_known: bool  # False when some recordings have no size: the MB is a lower bound


def count_expiring(database: Path, within_days: int) -> Expiring:
    """Runs in a worker: its own connection."""
    from recbrowser.services.archive import plan

    with open_store(database) as store:
        items = plan(store, within_days)
    sizes = [i.size for i in items if i.size is not None]
    return Expiring(within_days, len({(i.account, i.call_id) for i in items}), len(items),
                    sum(sizes) if sizes else None, len(sizes) == len(items))


class ArchiveController(BackgroundJob):
    counted = Signal(object)  # Expiring, for the dialog
    countFailed = Signal(str)  # for the dialog: the status bar may be showing a sync
    reminder = Signal(object)  # Expiring within reminder_days, for the status bar

    name = "archive"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reminder_days = REMINDER_DAYS
        self._count_generation = 0
        self._reminder_generation = 0

    def count(self, within_days: int) -> None:
        """Count what expires within `within_days`; only the newest count is reported."""
        self._count_generation += 1
        generation, database = self._count_generation, self._database

        def done(found: Expiring) -> None:
            if generation == self._count_generation:
                emit(self.counted, found)

        run_task(lambda _r: count_expiring(database, within_days), done, lambda m, _d: emit(self.countFailed, m),
                 pool=self._pool, name="archive-count", owner=self)

    def check_reminder(self) -> None:
        self._reminder_generation += 1
        generation, database, days = self._reminder_generation, self._database, self.reminder_days

        def done(found: Expiring) -> None:
            if generation == self._reminder_generation:  # an older count must not undo a newer one
                emit(self.reminder, found)

        # A failed count says nothing: the reminder is a courtesy, the log has the details.
        run_task(lambda _r: count_expiring(database, days), done, None,
                 pool=self._pool, name="archive-reminder", owner=self)

    def archive(self, within_days: int, account_names: list[str]) -> None:
        if self.busy:
            return
        database, media_root = self._database, self._media_root
        connector = self._connector(account_names)

        def work(report, cancel) -> ArchiveSummary:
            from recbrowser.services.archive import archive_expiring, plan

            with open_store(database) as store:
                report(len({(i.account, i.call_id) for i in plan(store, within_days)}))
                return archive_expiring(store, media_root, within_days, open_provider=connector, progress=report,
                                        cancelled=cancel.is_set)

        self._start(work)

    def _progress(self, p) -> None:
        from recbrowser.services.archive import ArchiveProgress  # the worker loaded it

        if isinstance(p, ArchiveProgress):
            emit(self.progress, p)
        elif isinstance(p, int):
            emit(self.started, p)


def outcome(summary: ArchiveSummary) -> str:
    """The service's sentence, and why calls failed when they share one reason (a rejected
    secret fails every call of its account the same way: say it once)."""
    if not summary.archived and not summary.failed and not summary.stopped:
        return "Nothing to archive: every recording that expires soon is already on this computer."
    reasons = {reason for _ref, reason in summary.failed}
    if len(reasons) == 1 and not summary.stopped:
        return f"{summary.sentence()[:-1]}: {next(iter(reasons)).rstrip('.')}."
    return summary.sentence()
