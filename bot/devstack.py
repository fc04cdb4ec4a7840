"""`python -m bot.devstack`, the dev stack's name before the package layout: bot.ops.devstack."""
import sys

from bot.ops.devstack import main

if __name__ == "__main__":
    sys.exit(main())
