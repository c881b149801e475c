"""Toolbar and button icons: our SVGs, tinted with the palette's text colour.

The SVGs say `currentColor`, which QtSvg draws as black; we substitute the current palette's
colour before rendering so the icons stay readable in dark mode.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"  # inside the package: wheels and bundles carry it
SIZES = (16, 24, 32, 48)


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


@lru_cache(maxsize=128)
def _icon(name: str, colour: str) -> QIcon:
    path = icon_path(name)
    if not path.is_file():
        return QIcon()  # a missing icon must never stop the window from opening
    svg = path.read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon(name: str) -> QIcon:
    app = QApplication.instance()
    colour = QColor("#444444")
    if isinstance(app, QApplication):
        colour = app.palette().color(QPalette.ColorRole.WindowText)
    return _icon(name, colour.name())


def app_icon() -> QIcon:
    return _icon("app", "#ffffff")
