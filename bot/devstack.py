"""`python -m bot.devstack`: the name the dev stack had before the package layout; see bot.ops.devstack."""
import sys

from bot.ops.devstack import main

if __name__ == "__main__":
    sys.exit(main())
