"""`python -m offline`: see offline/cli.py (and offline/runner.py for what is simulated)."""

import sys

from .cli import main

sys.exit(main())
