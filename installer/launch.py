"""Entry point of the frozen app (PyInstaller): the same as the `cse-desktop` command."""

import sys

from cse_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
