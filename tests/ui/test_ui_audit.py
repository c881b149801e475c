"""Help > Audit Log: a call played and exported from the window is listed with its ref, for the
selected call or for all calls."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support.modal_helpers import Answerer
from support.ui_helpers import archive, archived_store, speech_call  # noqa: F401  (fixtures)
from support.window_helpers import WAIT, open_window

from recbrowser.services import audit
from recbrowser.services.export import ExportOptions
from recbrowser.ui.common.formatting import local_full
from recbrowser.ui.window.audit_dialog import AuditDialog


def test_played_and_exported_calls_are_in_the_audit_log(qtbot, data_dir, archived_store, speech_call, tmp_path):  # noqa: F811
    window = open_window(qtbot, data_dir, archived_store)
    rows = [window.model.row(r) for r in range(window.model.rowCount())]
    target = next(i for i, r in enumerate(rows) if r.provider_id == speech_call.provider_id)
    silent = next(r for r in rows if not r.has_audio)
    ref = rows[target].ref
    window.table.selectRow(target)
    qtbot.waitUntil(lambda: window.call_pane.call is not None and window.call_pane.call.provider_id == speech_call.provider_id,
                    timeout=WAIT)
    window.play_current()
    qtbot.waitUntil(window.player.is_playing, timeout=WAIT)
    qtbot.waitUntil(lambda: any(e.action == audit.PLAYED for e in archived_store.audit_log()), timeout=WAIT)
    window.player.pause()
    with qtbot.waitSignal(window.exports.finished, timeout=60_000):
        window.exports.export([ref, silent.ref], tmp_path / "out", ExportOptions(transcripts=("txt",)))

    seen: dict[str, list[tuple[str, ...]]] = {}

    def read_both_scopes(dialog: AuditDialog) -> None:
        qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT)
        seen["this call"] = dialog.rows()
        dialog.scope.setCurrentIndex(dialog.scope.findData(None))
        qtbot.waitUntil(lambda: dialog.table.rowCount() > len(seen["this call"]), timeout=WAIT)
        seen["all calls"] = dialog.rows()
        dialog.reject()

    answer = Answerer(AuditDialog, read_both_scopes)
    try:
        window.actions["audit_log"].trigger()
    finally:
        answer.stop()
    mine = seen["this call"]
    # (The shared cache was made by downloading this call: that is logged too, first.)
    assert [action for _t, _u, action, _c, _d in mine] == [audit.EXPORTED, audit.PLAYED, audit.DOWNLOADED]  # newest first
    exported = next(r for r in mine if r[2] == audit.EXPORTED)
    assert str(tmp_path / "out") in exported[4]  # where to
    entry = next(e for e in archived_store.audit_log() if e.action == audit.PLAYED)
    assert (local_full(entry.at_ms), entry.user) == next(r for r in mine if r[2] == audit.PLAYED)[:2]  # the user's zone
    assert (audit.EXPORTED, silent.ref) in {(r[2], r[3]) for r in seen["all calls"]}
    assert {r[3] for r in mine} == {ref}
