"""``python -m convious`` is the ``convious`` command."""

import sys

from ._cli import main

sys.exit(main())
