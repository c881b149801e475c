"""Notes and tags in the call pane, on a real call synced and downloaded from the Yeastar
emulator, saved in a real cache by workers, with a real Player on its speech."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from support.ui_helpers import archive, archived_store, speech_call  # noqa: F401  (fixtures)

from recbrowser.domain import call_ref
from recbrowser.store import CallFilter, Store
from recbrowser.ui.call_pane.call_pane import TAB_NOTES, CallPane
from recbrowser.ui.common.settings import Preferences, open_settings
from recbrowser.ui.player.player import Player

WAIT = 20_000  # generous: a loaded shared machine slows media loading and window activation


def open_pane(qtbot, data_dir, store: Store, speech_call, *, load: bool = True) -> tuple[CallPane, Player]:  # noqa: F811
    player = Player(Preferences(open_settings(data_dir.settings)))
    pane = CallPane(player, database=data_dir.database)
    pane.resize(560, 800)
    qtbot.addWidget(pane)
    pane.show()
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow, timeout=WAIT)
    account = speech_call.account.name
    pane.show_call(account, store.get_call(account, speech_call.provider_id), {})
    if load:
        with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
            player.load(speech_call.path, label=call_ref(account, speech_call.provider_id))
    return pane, player


def stored_notes(data_dir, speech_call):  # noqa: F811
    with Store.open(data_dir.database) as store:
        return [(n.offset_ms, n.text) for n in store.notes(speech_call.account.name, speech_call.provider_id)]


def click_marker(qtbot, pane: CallPane, n: int = 0) -> None:
    """Click the n-th note marker in the transcript (its line under the sentence)."""
    view = pane.transcript.view
    block_index, _ms = view.note_markers()[n]
    view.scroll_to(block_index)
    block = view.document().findBlockByNumber(block_index)
    layout = block.layout()
    line = layout.lineAt(layout.lineCount() - 1)  # the marker is the block's last line
    top = view.document().documentLayout().blockBoundingRect(block).top() + line.y() + line.height() / 2
    y = int(top) - view.verticalScrollBar().value()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(line.x()) + 40, y))


def test_the_add_note_key_saves_the_moment_playing_and_marks_the_transcript(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    pane, player = open_pane(qtbot, data_dir, archived_store, speech_call)
    player.seek(2500)
    qtbot.waitUntil(lambda: abs(player.position() - 2500) < 250, timeout=WAIT)
    qtbot.keyClick(pane.transcript.view, Qt.Key.Key_N)  # the registry's Add note key, from the transcript
    assert pane.tabs.currentIndex() == TAB_NOTES and pane.notes.editor.hasFocus()
    assert pane.notes.add_button.text() == "Add note at 00:02"
    player.seek(6000)  # the moment was taken when writing began: later ticks do not move it
    qtbot.waitUntil(lambda: abs(player.position() - 6000) < 250, timeout=WAIT)
    qtbot.keyClicks(pane.notes.editor, "customer raises her voice")
    qtbot.keyClick(pane.notes.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 1, timeout=WAIT)
    ((offset, text),) = stored_notes(data_dir, speech_call)
    assert text == "customer raises her voice" and abs(offset - 2500) < 250
    assert pane.notes.editor.text() == "" and pane.tabs.tabText(TAB_NOTES) == "Notes (1)"
    # The marker sits under the sentence spoken at that moment; clicking it plays from there.
    assert pane.transcript.view.note_markers() == [(pane.transcript.segment_index_at(offset), offset)]
    assert "customer raises her voice" in pane.transcript.view.toPlainText()
    assert "1 note" in pane.transcript.info.text()
    click_marker(qtbot, pane)
    qtbot.waitUntil(lambda: abs(player.position() - offset) < 250, timeout=WAIT)
    # Clicking the note in the list does the same.
    player.seek(9000)
    qtbot.waitUntil(lambda: abs(player.position() - 9000) < 250, timeout=WAIT)
    item = pane.notes.list.item(0)
    qtbot.mouseClick(pane.notes.list.viewport(), Qt.MouseButton.LeftButton, pos=pane.notes.list.visualItemRect(item).center())
    qtbot.waitUntil(lambda: abs(player.position() - offset) < 250, timeout=WAIT)


def test_a_note_with_nothing_playing_is_about_the_whole_call(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    pane, _player = open_pane(qtbot, data_dir, archived_store, speech_call, load=False)
    pane.tabs.setCurrentIndex(TAB_NOTES)
    assert pane.notes.add_button.text() == "Add note"
    qtbot.keyClicks(pane.notes.editor, "ask QA to review")
    qtbot.mouseClick(pane.notes.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 1, timeout=WAIT)
    assert stored_notes(data_dir, speech_call) == [(None, "ask QA to review")]
    assert pane.transcript.view.note_markers() == []  # no time, no place in the transcript
    assert "whole call" in pane.notes.list.item(0).text()


def test_edit_and_delete_with_confirmation(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    account, pid = speech_call.account.name, speech_call.provider_id
    archived_store.add_note(account, pid, 4000, "wrong tarif")
    archived_store.add_note(account, pid, None, "keep me")
    pane, player = open_pane(qtbot, data_dir, archived_store, speech_call)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 2, timeout=WAIT)
    assert "wrong tarif" in pane.transcript.view.toPlainText()
    pane.tabs.setCurrentIndex(TAB_NOTES)
    pane.notes.list.setCurrentRow(0)
    qtbot.mouseClick(pane.notes.edit_button, Qt.MouseButton.LeftButton)
    assert pane.notes.editor.text() == "wrong tarif" and pane.notes.add_button.text() == "Save note"
    pane.notes.editor.setText("wrong tariff quoted")
    qtbot.keyClick(pane.notes.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (4000, "wrong tariff quoted") in stored_notes(data_dir, speech_call), timeout=WAIT)
    qtbot.waitUntil(lambda: "wrong tariff quoted" in pane.transcript.view.toPlainText(), timeout=WAIT)
    assert pane.notes.editor.text() == ""
    # F2 edits too; Escape gives up the edit and leaves the note as it was.
    pane.notes.list.setCurrentRow(0)
    qtbot.keyClick(pane.notes.list, Qt.Key.Key_F2)
    assert pane.notes.editor.text() == "wrong tariff quoted"
    qtbot.keyClicks(pane.notes.editor, " NOT SAVED")
    qtbot.keyClick(pane.notes.editor, Qt.Key.Key_Escape)
    assert pane.notes.editor.text() == "" and pane.notes.add_button.text().startswith("Add note")
    assert (4000, "wrong tariff quoted") in stored_notes(data_dir, speech_call)

    # Delete asks first; "Keep" (the default, and Escape) keeps the note.
    notes, writes = pane.call_notes(), []
    notes.written.connect(writes.append)
    qtbot.waitUntil(lambda: not notes._running, timeout=WAIT)  # the edit's write has ended
    pane.notes.list.setCurrentRow(0)
    qtbot.mouseClick(pane.notes.delete_button, Qt.MouseButton.LeftButton)
    box = pane.notes.confirm
    assert box is not None and box.isVisible() and "00:04" in box.text() and "wrong tariff quoted" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not box.isVisible() and not notes._running and writes == []  # no delete was even queued
    assert len(stored_notes(data_dir, speech_call)) == 2
    qtbot.keyClick(pane.notes.list, Qt.Key.Key_Delete)
    box = pane.notes.confirm
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored_notes(data_dir, speech_call) == [(None, "keep me")], timeout=WAIT)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 1, timeout=WAIT)
    assert pane.transcript.view.note_markers() == []


def test_a_failed_edit_keeps_the_text_and_says_why(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    account, pid = speech_call.account.name, speech_call.provider_id
    note = archived_store.add_note(account, pid, None, "first draft")
    pane, _player = open_pane(qtbot, data_dir, archived_store, speech_call, load=False)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 1, timeout=WAIT)
    pane.notes.list.setCurrentRow(0)
    pane.notes.start_edit()
    archived_store.delete_note(note.id)  # gone meanwhile (the CLI, another window)
    pane.notes.editor.setText("second draft, worth keeping")
    qtbot.keyClick(pane.notes.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.notes.message.isVisible(), timeout=WAIT)
    assert "deleted in the meantime" in pane.notes.message.text()
    assert pane.notes.editor.text() == "second draft, worth keeping"


def test_tags_are_added_removed_and_completed_from_other_calls(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    account = speech_call.account.name
    other = next(r.provider_id for r in archived_store.list_calls(CallFilter())[0] if r.provider_id != speech_call.provider_id)
    archived_store.add_tag(account, other, "billing")
    pane, _player = open_pane(qtbot, data_dir, archived_store, speech_call, load=False)
    tags = pane.tags
    qtbot.waitUntil(lambda: tags.known() == ["billing"], timeout=WAIT)
    assert tags.tags() == []
    tags.edit.setFocus()
    qtbot.keyClicks(tags.edit, "BIL")
    popup = tags.edit.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    assert popup.model().index(0, 0).data() == "billing"
    tags.edit.setText("Billing, vip")
    qtbot.keyClick(tags.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sorted(tags.tags()) == ["billing", "vip"], timeout=WAIT)  # one spelling for one tag
    assert tags.edit.text() == ""
    assert sorted(archived_store.tags(account, speech_call.provider_id)) == ["billing", "vip"]
    qtbot.mouseClick(tags.buttons["vip"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tags.tags() == ["billing"], timeout=WAIT)
    assert archived_store.tags(account, speech_call.provider_id) == ["billing"]
    tags.edit.setText("x" * 41)
    qtbot.keyClick(tags.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tags.message.isVisible(), timeout=WAIT)
    assert "at most 40" in tags.message.text() and tags.edit.text() == "x" * 41
    assert tags.tags() == ["billing"]


def test_the_window_saves_notes_without_any_wiring_of_its_own(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, archived_store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    window.open_call(speech_call.account.name, speech_call.provider_id)
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.player.ready, timeout=WAIT)  # the cached recording, loaded by the window
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_N)
    assert QApplication.focusWidget() is window.call_pane.notes.editor
    qtbot.keyClicks(window.call_pane.notes.editor, "from the window")
    qtbot.keyClick(window.call_pane.notes.editor, Qt.Key.Key_Return)
    # The note has the player's time: 0, nothing played yet.
    qtbot.waitUntil(lambda: stored_notes(data_dir, speech_call) == [(0, "from the window")], timeout=WAIT)
    qtbot.waitUntil(lambda: window.call_pane.transcript.view.note_markers() == [(0, 0)], timeout=WAIT)
    # In a text field, N is a letter: typing a search never starts a note.
    window.search.box.setFocus()
    qtbot.keyClicks(window.search.box, "n")
    assert window.search.box.text() == "n" and window.call_pane.notes.editor.text() == ""
    assert QApplication.focusWidget() is window.search.box


def test_many_tags_wrap_instead_of_widening_the_pane(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    pane, _player = open_pane(qtbot, data_dir, archived_store, speech_call, load=False)
    narrowest = pane.minimumSizeHint().width()
    pane.tags.edit.setText(", ".join(f"topic number {i}" for i in range(12)))
    qtbot.keyClick(pane.tags.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pane.tags.buttons) == 12, timeout=WAIT)
    qtbot.waitUntil(lambda: pane.tags.buttons["topic number 11"].isVisible(), timeout=WAIT)
    assert pane.minimumSizeHint().width() == narrowest
    rows = {b.geometry().top() for b in pane.tags.buttons.values()}
    assert len(rows) > 1  # wrapped onto more lines
    assert all(pane.tags.rect().contains(b.geometry()) for b in pane.tags.buttons.values())


def test_notes_and_tags_made_in_the_window_survive_a_resync(qtbot, data_dir, store, yeastar):
    import time

    from support.yeastar_helpers import add_emulated_account

    from recbrowser.ui.window.main_window import MainWindow

    add_emulated_account(store, yeastar)
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets["hq"] = yeastar.secrets()
    qtbot.addWidget(window)
    window.show()
    since = int(time.time() * 1000) - 15 * 86_400_000
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync(["hq"], since_ms=since)
    first, second = (r.provider_id for r in store.list_calls(CallFilter(has_transcript=True))[0][:2])
    pane = window.call_pane
    window.open_call("hq", first)
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == first, timeout=WAIT)
    pane.begin_note()
    qtbot.keyClicks(pane.notes.editor, "kept across syncs")
    qtbot.keyClick(pane.notes.editor, Qt.Key.Key_Return)
    pane.tags.edit.setText("audit")
    qtbot.keyClick(pane.tags.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pane.notes.notes()) == 1 and pane.tags.tags() == ["audit"], timeout=WAIT)
    with qtbot.waitSignal(window.sync.finished, timeout=60_000) as done:
        window.sync.sync(["hq"], since_ms=since)  # every call fetched and written again
    (result,) = done.args[0]
    assert result.ok and result.calls > 0 and result.new == 0
    assert [n.text for n in store.notes("hq", first)] == ["kept across syncs"] and store.tags("hq", first) == ["audit"]
    window.open_call("hq", second)
    qtbot.waitUntil(lambda: pane.call.provider_id == second and pane.tags.tags() == [] and not pane.notes.notes(), timeout=WAIT)
    assert pane.tags.known() == ["audit"]  # offered for this call too
    window.open_call("hq", first)
    qtbot.waitUntil(lambda: pane.call.provider_id == first and pane.tags.tags() == ["audit"], timeout=WAIT)
    assert [n.text for n in pane.notes.notes()] == ["kept across syncs"]


def test_a_note_and_tag_made_as_the_call_opens_are_not_wiped_by_its_late_load(qtbot, data_dir, store):
    """Open a call and at once add a note and a tag (fast typing on a busy machine): the load that
    read before the writes must not answer after them and show an empty pane."""
    from PySide6.QtCore import QThreadPool
    from support.ui_helpers import fill

    from recbrowser.ui.call_pane.call_notes import CallNotes

    fill(store, 40)
    pool = QThreadPool()
    pool.setMaxThreadCount(4)  # several at once, as the window's pool allows
    notes = CallNotes(data_dir.database, pool)
    shown = []
    notes.loaded.connect(shown.append)
    for i in range(20):
        provider_id = store.list_calls(CallFilter(), limit=40)[0][i].provider_id
        shown.clear()
        notes.load("bulk", provider_id)
        notes.add_note(None, f"note {i}")
        notes.add_tags([f"tag{i}"])
        qtbot.waitUntil(lambda: len(shown) == 3, timeout=10_000)
        last = shown[-1]
        assert [n.text for n in last.notes] == [f"note {i}"] and last.tags == [f"tag{i}"], i
    pool.waitForDone(5000)
