"""Operator commands: `contestbot <group> <command>` (bot/manage.py wraps Flask's CLI)."""
import click
from flask import current_app
from flask.cli import AppGroup

contest_cli = AppGroup("contest", help="Check and inspect contest YAML files.")
db_cli = AppGroup("db", help="Database schema.")
menu_cli = AppGroup("menu", help="The account's custom menu.")


@contest_cli.command("check")
@click.argument("ref")
def check_contest(ref: str) -> None:
    """Validate a contest YAML (an id or a path) and summarise its phases."""
    from bot.contest import ContestConfigError, load_contest

    try:
        contest = load_contest(ref)
    except ContestConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{contest.id}: {contest.name}")
    for phase in contest.phases:
        click.echo(f"  {phase.id:<12} {phase.start:%Y-%m-%d %H:%M} .. {phase.end:%Y-%m-%d %H:%M}  "
                   f"{phase.name}")


@db_cli.command("upgrade")
def upgrade_database() -> None:
    """Apply every Alembic migration to DATABASE_URL."""
    from bot.migrate import upgrade_to_head

    upgrade_to_head(current_app.extensions["contestbot"].settings["DATABASE_URL"])
    click.echo("database is at the latest revision")


@menu_cli.command("publish")
def publish_menu_command() -> None:
    """Queue publishing the custom menu to WeChat (the worker makes the call)."""
    from jobs.menu import queue_publish_menu

    if queue_publish_menu(current_app.extensions["contestbot"].queue):
        click.echo("queued menu-publish")
    else:
        click.echo("menu-publish is already queued")


def register_cli(app) -> None:
    """Attach the operator command groups to the app."""
    from bot.console import users_cli
    from bot.notices_cli import notices_cli

    for group in (contest_cli, db_cli, menu_cli, notices_cli, users_cli):
        app.cli.add_command(group)
