"""`contestbot <group> <command>`: the operator commands of `flask --app bot.app`, as a console
script installed into the virtualenv's bin by `pip install -e .`.

`.venv/bin/contestbot` runs with the virtualenv's own Python, so nothing needs activating and it
works from any directory; settings come from the environment as for the web process.
"""
import sys

from flask.cli import FlaskGroup

from bot.app import create_app

HELP = """Operator commands for the contest bot (the same as `flask --app bot.app ...`).

\b
Examples:
  contestbot db upgrade
  contestbot contest check jiangmen-2020
  contestbot users create 张三 --role organizer
  contestbot notices plan
"""


def main(argv=None) -> int:
    """Run one operator command, e.g. `contestbot users create 张三 --role organizer`."""
    cli = FlaskGroup(name="contestbot", help=HELP, create_app=lambda: create_app())
    return cli.main(args=sys.argv[1:] if argv is None else argv, prog_name="contestbot")


if __name__ == "__main__":
    sys.exit(main())
