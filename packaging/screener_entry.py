"""Entry point of the frozen app: the same ``screener`` command as a pip install.

With no arguments it opens the desktop app; with a subcommand it is the command line.
"""

import sys

from screener.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
