"""Render the app icon's PNG set from its SVG with Qt's own SVG renderer (run by hand after
changing recbrowser/resources/icons/app.svg; the output is committed).

    .venv/bin/python packaging/render_icons.py

Writes the freedesktop hicolor theme set (scalable SVG plus 16..512 px PNGs) that the bundle
and `recbrowser --install-desktop-entry` install, and the Windows .ico and macOS .icns that the
PyInstaller spec uses on those systems.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window, no display needed

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "recbrowser" / "resources" / "icons" / "app.svg"
HICOLOR = ROOT / "recbrowser" / "resources" / "desktop" / "hicolor"
PLATFORM_ICONS = ROOT / "packaging" / "icons"
NAME = "recbrowser"  # the desktop file's Icon= name
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: {SVG} is not an SVG Qt can draw", file=sys.stderr)
        return 1
    scalable = HICOLOR / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable / f"{NAME}.svg")
    for size in SIZES:
        folder = HICOLOR / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(folder / f"{NAME}.png"), "PNG", 9):
            print(f"render_icons: could not write {folder / f'{NAME}.png'}", file=sys.stderr)
            return 1
    PLATFORM_ICONS.mkdir(parents=True, exist_ok=True)
    # Windows scales a 256 px ICO down well; macOS wants 512 px (1024 on Retina is optional).
    for fmt, size in (("ico", 256), ("icns", 512)):
        path = PLATFORM_ICONS / f"{NAME}.{fmt}"
        if not render(renderer, size).save(str(path), fmt.upper()):
            print(f"render_icons: Qt has no {fmt} writer here; {path} left as it was", file=sys.stderr)
    print(f"icons written to {HICOLOR} and {PLATFORM_ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
