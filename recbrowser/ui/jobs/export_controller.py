"""Export from the window: the export service in a worker, progress and Cancel in the status
bar, and at the end one line that says where the files went, with Open folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.store import open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.jobs.background_job import BackgroundJob

if TYPE_CHECKING:
    from recbrowser.services.export_options import ExportOptions, ExportSummary


class ExportController(BackgroundJob):
    name = "export"

    def export(self, refs: list[str], dest: Path, options: ExportOptions) -> None:
        database, media_root = self._database, self._media_root
        connector = self._connector({ref.partition("/")[0] for ref in refs})

        def work(report, cancel) -> ExportSummary:
            from recbrowser.services.export import run_export  # ~20 ms of imports, not at start-up
            from recbrowser.services.peaks_keeper import keeping_peaks

            # The data folder's peaks/ (paths.DataDir.peaks): the strips of what it fetched open at once.
            with open_store(database) as store, keeping_peaks(media_root, media_root.parent / "peaks") as peaks:
                summary = run_export(store, refs, dest, options, media_root=media_root, open_provider=connector,
                                     progress=report, cancelled=cancel.is_set)
                if summary.cancelled:
                    peaks.close(drop_queued=True)  # Cancel ends the job now; the strips compute theirs when opened
                return summary

        emit(self.started, len(refs))
        self._start(work)

    def _progress(self, p) -> None:
        from recbrowser.services.export_options import ExportProgress  # the dialog loaded it

        if isinstance(p, ExportProgress):
            emit(self.progress, p)
