"""rtaudio.gui: the live spectrogram viewer (pyqtgraph + PySide6).

Installed from the repository's top-level ``gui/`` folder as the
subpackage ``rtaudio.gui`` (``pip install "rtaudio[gui]"`` for Qt). Start
it with ``rtaudio gui`` or :func:`rtaudio.gui.app.run`.
"""
import os as _os

# pyqtgraph picks its Qt binding at first import: the gui extra installs PySide6.
_os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
