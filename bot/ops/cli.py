"""Operator commands: `contestbot <group> <command>` (bot/ops/manage.py wraps Flask's CLI)."""
import click
from flask import current_app
from flask.cli import AppGroup

from bot.console import users_cli
from bot.contest import ContestConfigError, load_contest
from bot.delivery.followers_import import ImportStopped, import_followers
from bot.ops.migrate import upgrade_to_head
from bot.ops.notices_cli import notices_cli
from bot.ops.quiz_cli import quiz_cli
from bot.queueing import MENU_JOB_ID, PUBLISH_MENU
from bot.wechat.client import make_api
from bot.wechat.errors import QUOTA_SPENT

contest_cli = AppGroup("contest", help="Check and inspect contest YAML files.")
db_cli = AppGroup("db", help="Database schema.")
menu_cli = AppGroup("menu", help="The account's custom menu.")
followers_cli = AppGroup("followers", help="The account's followers, as WeChat lists them.")


@contest_cli.command("check")
@click.argument("ref")
def check_contest(ref: str) -> None:
    """Validate a contest YAML (an id or a path) and summarise its phases."""
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
    upgrade_to_head(current_app.extensions["contestbot"].settings["DATABASE_URL"])
    click.echo("database is at the latest revision")


@menu_cli.command("publish")
def publish_menu_command() -> None:
    """Queue publishing the custom menu to WeChat (the worker makes the call)."""
    if current_app.extensions["contestbot"].jobs.enqueue(PUBLISH_MENU, job_id=MENU_JOB_ID):
        click.echo("queued menu-publish")
    else:
        click.echo("menu-publish is already queued")


@followers_cli.command("import")
@click.option("--from", "start", default="", help="Continue from this next_openid.")
def import_followers_command(start: str) -> None:
    """Record every follower (user/get) so follower audiences include those who never wrote."""
    def report(progress: dict) -> None:
        click.echo(f"page {progress['pages']}: {progress['seen']} of {progress['total']} "
                   f"followers, {progress['added']} newly recorded as following")

    services = current_app.extensions["contestbot"]
    try:
        progress = import_followers(services, make_api(services), start, on_page=report)
    except ImportStopped as stopped:
        hint = " (the day's user/get quota is spent)" if stopped.errcode == QUOTA_SPENT else ""
        raise click.ClickException(
            f"WeChat answered errcode {stopped.errcode}{hint}; {stopped.progress['added']} "
            f"imported; run again later with --from '{stopped.next_openid}'") from None
    click.echo(f"done: {progress['seen']} followers listed, {progress['added']} newly recorded "
               "as following")


def register_cli(app) -> None:
    """Attach the operator command groups to the app."""
    for group in (contest_cli, db_cli, menu_cli, followers_cli, notices_cli, quiz_cli, users_cli):
        app.cli.add_command(group)
