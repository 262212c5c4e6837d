"""Run the workstation with ``python -m cur_desktop``."""

from cur_desktop.cli import main

raise SystemExit(main())
