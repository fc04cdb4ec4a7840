"""`python -m bot.migrate`, the release step's name before the layout: bot.ops.migrate."""
from bot.ops.migrate import main

if __name__ == "__main__":
    main()
