"""Test configuration shared by the whole suite."""

import os

# Qt tests run without a display; set before any Qt import (pytest-qt imports Qt lazily).
os.environ["QT_QPA_PLATFORM"] = "offscreen"

# The cheap key derivation, here and in every child process the tests start (see
# support/testkdf.py: the shipped program has no way to ask for it).
from support import testkdf

testkdf.enable()
