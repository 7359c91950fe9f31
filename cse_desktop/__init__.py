"""CSE Desktop: offline, encrypted case recording for child-exploitation safeguarding."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cse-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
