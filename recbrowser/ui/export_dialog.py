"""Export options: where to (a folder or a .zip), audio format, transcript formats, file names."""

from __future__ import annotations

from pathlib import Path

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
    def __init__(self, count: int, default_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export calls")
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(640, 260)

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
        )
