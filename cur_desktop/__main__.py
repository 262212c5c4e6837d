"""Run the workstation with ``python -m cur_desktop`` (the window, or a headless command)."""

from cur_desktop.cli import main

raise SystemExit(main())
