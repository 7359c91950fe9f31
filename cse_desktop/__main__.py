"""`python -m cse_desktop` is the same as the `cse-desktop` command."""

from cse_desktop.cli import main

raise SystemExit(main())
