"""`python -m cnnbook` runs the command-line interface."""

from cnnbook.cli import main

raise SystemExit(main())
