"""Export options: where to (a folder or a .zip), audio format, transcript formats, file names,
and masking of personal data. The choices are remembered for the next export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from recbrowser.services.audio_convert import TARGETS
from recbrowser.services.export_names import DEFAULT_TEMPLATE
from recbrowser.services.export_options import ExportOptions
from recbrowser.services.transcript_formats import FORMATS


class ExportDialog(QDialog):
    def __init__(self, count: int, default_dir: Path, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export calls")
        self._settings = settings
        self.dest = QLineEdit(str(default_dir))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.as_zip = QCheckBox("Into one ZIP file")
        self.audio = QComboBox()
        self.audio.addItem("As recorded", "original")
        for target in TARGETS:
            self.audio.addItem(target.upper(), target)
        self.formats = {f: QCheckBox(f.upper(), checked=f in ("txt", "json")) for f in FORMATS}
        self.template = QLineEdit(DEFAULT_TEMPLATE)
        self.template.setToolTip("File names: {start:%Y-%m-%d_%H%M%S}, {direction}, {from}, {to}, {agent}, {provider}, {call_id}")
        self.redact_pii = QCheckBox("Mask personal data (card numbers, phone numbers, e-mail addresses)")
        self.redact_pii.setToolTip("In transcripts, summaries and notes; the local cache keeps the originals")
        self.redact_call_numbers = QCheckBox("Also mask the calls' own numbers")
        self.redact_call_numbers.setToolTip("The caller's and callee's numbers everywhere: file names, manifest, "
                                            "transcript headers (extensions stay)")
        # The calls' numbers are masked only along with everything else: the second implies the first.
        self.redact_call_numbers.toggled.connect(lambda on: on and self.redact_pii.setChecked(True))
        self.redact_pii.toggled.connect(lambda on: on or self.redact_call_numbers.setChecked(False))
        self._restore()
        where = QHBoxLayout()
        where.addWidget(self.dest, 1)
        where.addWidget(browse)
        formats = QHBoxLayout()
        for box in self.formats.values():
            formats.addWidget(box)
        formats.addStretch(1)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Export {count:,} call{'s' if count != 1 else ''} with a manifest (CSV and JSON, with checksums)."))
        form.addRow("To folder", where)
        form.addRow("", self.as_zip)
        form.addRow("Audio", self.audio)
        form.addRow("Transcripts", formats)
        form.addRow("File names", self.template)
        form.addRow("Privacy", self.redact_pii)
        form.addRow("", self.redact_call_numbers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(640, self.sizeHint().height())

    def _restore(self) -> None:
        s = self._settings
        if s is None:
            return

        def flag(key: str, default: bool) -> bool:
            return s.value(f"export/{key}", default) in (True, "true", "1", 1)

        if s.value("export/folder"):
            self.dest.setText(str(s.value("export/folder")))
        self.as_zip.setChecked(flag("zip", False))
        audio = self.audio.findData(s.value("export/audio", "original"))
        self.audio.setCurrentIndex(max(0, audio))
        chosen = s.value("export/transcripts")
        if chosen is not None:  # an empty list is stored as an empty string: no transcripts
            chosen = set(str(chosen).split(",")) if chosen else set()
            for f, box in self.formats.items():
                box.setChecked(f in chosen)
        self.template.setText(str(s.value("export/template", DEFAULT_TEMPLATE)) or DEFAULT_TEMPLATE)
        self.redact_pii.setChecked(flag("redact_pii", False))
        self.redact_call_numbers.setChecked(flag("redact_call_numbers", False))

    def accept(self) -> None:
        if self._settings is not None:
            s, options = self._settings, self.options()
            s.setValue("export/folder", self.dest.text())
            s.setValue("export/zip", self.as_zip.isChecked())
            s.setValue("export/audio", options.audio)
            s.setValue("export/transcripts", ",".join(options.transcripts))
            s.setValue("export/template", options.template)
            s.setValue("export/redact_pii", options.redact_pii)
            s.setValue("export/redact_call_numbers", options.redact_call_numbers)
        super().accept()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.dest.text())
        if folder:
            self.dest.setText(folder)

    def destination(self) -> Path:
        folder = Path(self.dest.text()).expanduser()
        # A ZIP is named after the export's moment, so a second export never overwrites the first.
        if self.as_zip.isChecked():
            from datetime import datetime

            return folder / f"recbrowser-export-{datetime.now():%Y%m%d-%H%M%S}.zip"
        return folder

    def options(self) -> ExportOptions:
        return ExportOptions(
            audio=self.audio.currentData(),
            transcripts=tuple(f for f, box in self.formats.items() if box.isChecked()),
            template=self.template.text().strip() or DEFAULT_TEMPLATE,
            redact_pii=self.redact_pii.isChecked() or self.redact_call_numbers.isChecked(),
            redact_call_numbers=self.redact_call_numbers.isChecked(),
        )
