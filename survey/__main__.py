"""Entry point of `python -m survey` (see survey/cli.py)."""

import sys

from .cli import main

sys.exit(main())
