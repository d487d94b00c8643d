"""``python -m harvest``: the same as the ``harvest`` command."""

import sys

from harvest.cli import main

sys.exit(main())
