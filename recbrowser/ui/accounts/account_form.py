"""An account form built from the provider's `settings_schema`: one row per SettingField."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from recbrowser.providers.base import SettingField, provider_class, provider_names


class AccountForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = QComboBox()
        for name in provider_names():
            self.provider.addItem(provider_class(name).title, name)
        self.name = QLineEdit(placeholderText="e.g. Head office PBX")
        self.fields: dict[str, QLineEdit] = {}
        self.schema: tuple[SettingField, ...] = ()
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.addRow("Provider", self.provider)
        self.layout_.addRow("Account name", self.name)
        self.provider.currentIndexChanged.connect(lambda _i: self.build(self.provider.currentData()))
        self._secret_note = ""
        if self.provider.count():
            self.build(self.provider.currentData())

    def build(self, provider: str, secret_note: str = "") -> None:
        """Rebuild the rows below the name for this provider's schema."""
        self._secret_note = secret_note
        index = self.provider.findData(provider)
        if index >= 0 and index != self.provider.currentIndex():
            self.provider.blockSignals(True)  # we are already building this provider's rows
            self.provider.setCurrentIndex(index)
            self.provider.blockSignals(False)
        while self.layout_.rowCount() > 2:
            self.layout_.removeRow(2)
        self.fields = {}
        self.schema = provider_class(provider).settings_schema
        for f in self.schema:
            edit = QLineEdit()
            edit.setObjectName(f"field_{f.key}")
            if f.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setPlaceholderText(secret_note or "kept in the keyring, never in the cache")
            elif f.default:
                edit.setPlaceholderText(f.default)
            else:
                edit.setPlaceholderText(f.help)  # "e.g. ..." reads best inside the empty field
            edit.setToolTip(f.help)
            self.fields[f.key] = edit
            label = QLabel(f.label + ("" if f.required else " (optional)"))
            label.setToolTip(f.help)
            self.layout_.addRow(label, edit)

    def set_secret_note(self, note: str) -> None:
        self._secret_note = note
        for f in self.schema:
            if f.secret:
                self.fields[f.key].setPlaceholderText(note)

    def load(self, name: str, provider: str, settings: dict[str, str], secret_note: str) -> None:
        index = self.provider.findData(provider)
        self.provider.blockSignals(True)
        self.provider.setCurrentIndex(max(0, index))
        self.provider.blockSignals(False)
        self.build(provider, secret_note)
        self.name.setText(name)
        for key, edit in self.fields.items():
            edit.setText(settings.get(key, "") if not self._is_secret(key) else "")

    def _is_secret(self, key: str) -> bool:
        return any(f.key == key and f.secret for f in self.schema)

    def values(self) -> tuple[str, str, dict[str, str], dict[str, str]]:
        """(provider, name, settings, secrets); blank fields are left out (a blank secret keeps the stored one)."""
        settings, secrets = {}, {}
        for f in self.schema:
            text = self.fields[f.key].text().strip()
            if text:
                (secrets if f.secret else settings)[f.key] = text
        return self.provider.currentData(), self.name.text().strip(), settings, secrets
