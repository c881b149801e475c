"""Toolbar and button icons: our SVGs, tinted with the palette's text colour.

The SVGs say `currentColor`, which QtSvg draws as black; the engine substitutes the palette's
colour for the icon's mode (disabled icons take the disabled text colour), so the icons stay
readable in dark mode. Each is drawn when a widget first asks for it, at the exact size and
device pixel ratio asked for: crisp at 22 px and on HiDPI screens, and nothing is drawn at
start-up for menus that are not open.
"""

from __future__ import annotations

import math
import os
import zlib
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"  # inside the package: wheels and bundles carry it
SIZES = (16, 24, 32, 48)
FALLBACK_COLOUR = "#444444"  # no application yet (a test drawing an icon on its own)
_CLONES: list[QIconEngine] = []
_drawn_dir: Path | None = None  # where drawn icons are kept (keep_drawn_in); None: drawn each time


def keep_drawn_in(folder: Path | None) -> None:
    """Keep each drawn icon's pixels in `folder`, and load them from there next time.

    Drawing the toolbar's icons from SVG takes ~4 ms of the window's first paint (QtSvg's
    import, parsing, rendering); reading the same pixels back ~0.1 ms. (KDE's icon loader keeps
    such a cache for the same reason.) Raw pixels, not PNG: reading a PNG makes Qt look through
    every image-format plugin first. A file is named after its SVG's checksum, its size in
    device pixels and its colour, so a changed icon or palette simply makes a new one.
    """
    global _drawn_dir
    _drawn_dir = folder


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


def _colour(mode: QIcon.Mode) -> str:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return FALLBACK_COLOUR
    palette = app.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorRole.HighlightedText).name()
    return palette.color(QPalette.ColorRole.WindowText).name()


class TintedSvgEngine(QIconEngine):
    """Draws one SVG in a given colour, or in the palette's colour for each mode."""

    def __init__(self, svg: str, colour: str | None = None, name: str = "icon") -> None:
        super().__init__()
        self._svg, self._colour, self._name = svg, colour, name
        self._cache: dict[tuple, QPixmap] = {}

    def clone(self) -> QIconEngine:
        # Qt takes the copy (a QIcon copy being changed) but PySide leaves it owned by Python,
        # which would free it as this returns: keep it; Qt deletes it with its icon.
        copy = TintedSvgEngine(self._svg, self._colour, self._name)
        _CLONES.append(copy)
        return copy

    def isNull(self) -> bool:
        return False

    def availableSizes(self, mode=QIcon.Mode.Normal, state=QIcon.State.Off) -> list[QSize]:  # noqa: B008
        return [QSize(s, s) for s in SIZES]  # what a window manager is offered for the window icon

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        colour = self._colour or _colour(mode)
        key = (size.width(), size.height(), scale, colour)
        pixmap = self._cache.get(key)
        if pixmap is None:
            width, height = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
            kept = self._kept_file(width, height, colour)
            pixmap = _kept(kept, width, height) if kept is not None else None
            if pixmap is None:
                pixmap = self._draw(width, height, colour)
                if kept is not None:
                    _keep(pixmap, kept)
            pixmap.setDevicePixelRatio(scale)
            self._cache[key] = pixmap
        return pixmap

    def _draw(self, width: int, height: int, colour: str) -> QPixmap:
        from PySide6.QtSvg import QSvgRenderer  # with the first icon drawn, not at import

        pixmap = QPixmap(width, height)
        pixmap.fill(Qt.GlobalColor.transparent)
        renderer = QSvgRenderer(QByteArray(self._svg.replace("currentColor", colour).encode("utf-8")))
        side = min(width, height)  # square SVGs, centred in whatever box is asked for
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF((width - side) / 2, (height - side) / 2, side, side))
        painter.end()
        return pixmap

    def _kept_file(self, width: int, height: int, colour: str) -> Path | None:
        if _drawn_dir is None:
            return None
        checksum = zlib.crc32(self._svg.encode("utf-8"))
        return _drawn_dir / f"{self._name}-{checksum:08x}-{width}x{height}-{colour.lstrip('#')}.argb"

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        # The device transform carries the device's pixel ratio (and any zoom): drawn at that
        # many pixels. Not painter.device(): PySide6 would set up every paint device class it
        # knows to find that pointer's type, ~15 ms in the window's first paint.
        t = painter.deviceTransform()
        scale = max(1.0, math.hypot(t.m11(), t.m12()))
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))


def _kept(path: Path, width: int, height: int) -> QPixmap | None:
    """The pixels kept in `path` (premultiplied ARGB32, row by row), or None: not there, or
    not the size it should be (a file cut short is drawn again)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) != width * height * 4:
        return None
    return QPixmap.fromImage(QImage(data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied))


def _keep(pixmap: QPixmap, path: Path) -> None:
    """Write the pixels under another name, then rename: a crash or a full disk never leaves a
    cut file where the next start looks (one of the wrong size is drawn again anyway)."""
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    rows = bytes(image.constBits())
    stride, row = image.bytesPerLine(), image.width() * 4
    data = rows if stride == row else b"".join(rows[y * stride : y * stride + row] for y in range(image.height()))
    part = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        part.write_bytes(data)
        os.replace(part, path)
    except OSError:  # a read-only or full disk: the icon is drawn each time instead
        with suppress(OSError):
            part.unlink(missing_ok=True)


@lru_cache(maxsize=128)
def _icon(name: str, colour: str | None) -> QIcon:
    path = icon_path(name)
    if not path.is_file():
        return QIcon()  # a missing icon must never stop the window from opening
    return QIcon(TintedSvgEngine(path.read_text(encoding="utf-8"), colour, name))


def icon(name: str) -> QIcon:
    """Tinted with the palette as it is when drawn: light and dark modes follow by themselves."""
    return _icon(name, None)


def app_icon() -> QIcon:
    return _icon("app", "#ffffff")

