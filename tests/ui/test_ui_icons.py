"""Icons are drawn on demand, at the size and pixel ratio asked for, in the palette's colours."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication

from recbrowser.ui.common.icons import app_icon, icon


def ink(pixmap) -> set[str]:
    """The opaque colours drawn (the antialiased edges left out)."""
    image = pixmap.toImage()
    return {QColor(image.pixel(x, y)).name() for x in range(image.width()) for y in range(image.height())
            if QColor.fromRgba(image.pixel(x, y)).alpha() == 255}


def test_drawn_crisp_at_the_size_asked_for_and_for_hidpi(qapp):
    play = icon("play")
    assert not play.isNull()
    assert play.pixmap(QSize(22, 22)).size() == QSize(22, 22)  # not a 24 px picture scaled down
    hidpi = play.pixmap(QSize(22, 22), 2.0)
    assert hidpi.size() == QSize(44, 44) and hidpi.devicePixelRatio() == 2.0
    assert app_icon().pixmap(64, 64).size() == QSize(64, 64)


def test_the_palette_text_colour_tints_it_and_disabled_icons_take_the_disabled_colour(qapp):
    palette = QApplication.palette()
    normal = palette.color(QPalette.ColorRole.WindowText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    assert normal != disabled
    sync = icon("sync")
    assert normal in ink(sync.pixmap(QSize(24, 24)))
    assert disabled in ink(sync.pixmap(QSize(24, 24), QIcon.Mode.Disabled))
    dark = QPalette(palette)
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e0e0e0"))
    QApplication.setPalette(dark)
    try:  # a switch to dark mode needs no new icons: the same one draws in the new colour
        assert "#e0e0e0" in ink(sync.pixmap(QSize(24, 24)))
    finally:
        QApplication.setPalette(palette)


def test_a_changed_copy_of_an_icon_keeps_drawing(qapp):
    # Changing a copy makes Qt clone the engine: the clone must outlive the Python call.
    original = icon("download")
    for _ in range(50):
        copy = QIcon(original)
        copy.addPixmap(original.pixmap(16, 16))
        del copy
        gc.collect()
    assert not original.pixmap(QSize(32, 32)).isNull()


def test_painted_on_a_hidpi_device_at_its_pixel_ratio(qapp):
    # QIcon.paint, as line edits and item views draw icons: at the device's ratio, not scaled up.
    play = icon("play")
    canvas = QImage(44, 44, QImage.Format.Format_ARGB32_Premultiplied)
    canvas.setDevicePixelRatio(2.0)
    canvas.fill(0)
    painter = QPainter(canvas)
    play.paint(painter, QRect(0, 0, 22, 22))
    painter.end()
    crisp = play.pixmap(QSize(22, 22), 2.0).toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    blurred = play.pixmap(QSize(22, 22), 1.0).scaled(44, 44).toImage().convertToFormat(canvas.format())
    drawn = canvas.copy()
    drawn.setDevicePixelRatio(1.0)
    crisp.setDevicePixelRatio(1.0)
    assert drawn == crisp and drawn != blurred


@pytest.fixture
def kept(tmp_path):
    from recbrowser.ui.common import icons

    folder = tmp_path / "icons"
    icons.keep_drawn_in(folder)
    icons._icon.cache_clear()  # engines of earlier tests hold pixmaps drawn without a folder
    yield folder
    icons.keep_drawn_in(None)
    icons._icon.cache_clear()


def test_drawn_icons_are_kept_and_the_next_start_loads_the_same_pixels(qapp, kept):
    from recbrowser.ui.common import icons

    drawn = icon("sync").pixmap(QSize(22, 22))
    files = list(kept.iterdir())
    assert len(files) == 1 and files[0].name.startswith("sync-") and files[0].stat().st_size == 22 * 22 * 4
    before = files[0].stat().st_mtime_ns
    icons._icon.cache_clear()  # a new start: no icon in memory
    loaded = icon("sync").pixmap(QSize(22, 22))
    assert loaded.toImage() == drawn.toImage()  # pixel for pixel
    assert files[0].stat().st_mtime_ns == before  # read, not drawn and written again
    icon("sync").pixmap(QSize(22, 22), QIcon.Mode.Disabled)  # another colour: another file
    assert len(list(kept.iterdir())) == 2


def test_a_damaged_kept_icon_is_drawn_again_and_replaced(qapp, kept):
    from recbrowser.ui.common import icons

    icon("play").pixmap(QSize(24, 24))
    (path,) = kept.iterdir()
    path.write_bytes(path.read_bytes()[:1000])  # cut short: a crash or a full disk mid-write
    icons._icon.cache_clear()
    assert normal_ink() in ink(icon("play").pixmap(QSize(24, 24)))
    assert path.stat().st_size == 24 * 24 * 4  # a whole file again


def test_icons_still_draw_when_their_folder_cannot_be_written(qapp, kept):
    kept.write_text("a file where the folder should be")  # no folder can be made there
    assert normal_ink() in ink(icon("stop").pixmap(QSize(16, 16)))
    assert kept.is_file() and not list(kept.parent.glob(".stop*"))  # no half-written file left


def normal_ink() -> str:
    return QApplication.palette().color(QPalette.ColorRole.WindowText).name()
