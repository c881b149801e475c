"""The window (PySide6). The only package that imports Qt."""

from PySide6.QtCore import QLoggingCategory

# Qt Multimedia narrates its FFmpeg set-up on stderr (no VA-API, no PipeWire, no PulseAudio...).
# Playback problems reach the user through the Player, so keep the terminal quiet; set here,
# before any window module loads QtMultimedia.
QLoggingCategory.setFilterRules("qt.multimedia.*.debug=false\nqt.multimedia.*.info=false\nqt.multimedia.*.warning=false")
