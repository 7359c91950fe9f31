"""Test configuration shared by the whole suite."""

import os

# Qt tests run without a display; set before any Qt import (pytest-qt imports Qt lazily).
os.environ["QT_QPA_PLATFORM"] = "offscreen"
