"""Operator commands for notices, broadcasts and results: `contestbot notices ...`."""
import click
from flask import current_app
from flask.cli import AppGroup

from bot.delivery.broadcasts import progress
from bot.delivery.schedule import plan_schedule, scheduled_notices
from bot.results.publication import publish_results, review
from bot.results.sheet import compute_results

notices_cli = AppGroup("notices", help="Scheduled notices, broadcasts and results.")


def _services():
    return current_app.extensions["contestbot"]


@notices_cli.command("plan")
def plan_command() -> None:
    """(Re-)plan the contest's scheduled notices; never duplicates a job."""
    report = plan_schedule(_services())
    for kind in ("scheduled", "kept", "cancelled", "past"):
        click.echo(f"{kind}: {len(report[kind])} {' '.join(report[kind])}")


@notices_cli.command("list")
def list_command() -> None:
    """The notice jobs now scheduled, with their real (UTC) run times."""
    for item in scheduled_notices(_services()):
        click.echo(f"{item['run_at']:%Y-%m-%d %H:%M:%S}Z  {item['job_id']}")


@notices_cli.command("progress")
@click.argument("broadcast_id", type=int)
def progress_command(broadcast_id: int) -> None:
    """A broadcast's counters."""
    done = progress(_services(), broadcast_id)
    click.echo(" ".join(f"{key}={done[key]}" for key in
                        ("state", "recipients", "sent", "deferred", "failed", "skipped",
                         "pending")))


@notices_cli.command("compute-results")
def compute_command() -> None:
    """Compute the final table for review (nothing is published)."""
    sheet_id = compute_results(_services(), "cli")
    for row in review(_services(), sheet_id)["rows"]:
        click.echo(f"{row['rank']:>3} {row['code']:<8} {row['total']:>8} "
                   f"{','.join(row['award_names'])}")
    click.echo(f"sheet {sheet_id}: publish with `notices publish-results {sheet_id}`")


@notices_cli.command("publish-results")
@click.argument("sheet_id", type=int)
def publish_command(sheet_id: int) -> None:
    """Publish a computed sheet and queue every personal result."""
    publish_results(_services(), sheet_id, "cli")
    click.echo(f"sheet {sheet_id} published; personal results queued")
