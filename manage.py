#!/usr/bin/env python
"""Django's command-line utility; `guanxi` (installed with the package) does the same."""

import sys

from guanxi.cli import main

if __name__ == "__main__":
    sys.exit(main())
