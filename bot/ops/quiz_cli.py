"""Operator commands for the knowledge quiz: `contestbot quiz import|export|template|offline`.

The files are the console's (bot.console.xlsx_quiz): an exported bank imports back unchanged.
A refused file prints every error (第N行「列」：...) and exits with code 1, importing nothing.
"""
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot.console.xlsx_quiz import bank_workbook, template_workbook
from bot.db import session_scope
from bot.models.quiz import QuizBank
from bot.quiz.bank import BankError, current_bank, export_rows, import_bank, parse_rows
from bot.quiz.offline import import_offline, parse_offline
from bot.quiz.sheets import read_table

quiz_cli = AppGroup("quiz", help="The knowledge quiz: question bank and offline scores.")
ACTOR = "cli"


def _services():
    services = current_app.extensions["contestbot"]
    if services.contest.quiz is None:
        raise click.ClickException(f"contest {services.contest.id} has no quiz")
    return services


def _refused(refused: BankError) -> NoReturn:
    """Print every reason the file was refused and exit with code 1."""
    click.echo(f"refused, nothing imported ({len(refused.errors)} errors):", err=True)
    for error in refused.errors:
        click.echo(f"  {error}", err=True)
    raise click.exceptions.Exit(1)


def _read(path: str) -> list[tuple]:
    return read_table(Path(path).read_bytes(), Path(path).name)


@quiz_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(file: str) -> None:
    """Import a question bank (.xlsx or .csv) as the contest's next version."""
    services = _services()
    try:
        rows = parse_rows(_read(file))
        with session_scope(services.db) as session:
            bank = import_bank(session, services.contest, rows, Path(file).name, ACTOR,
                               services.now())
            version = bank.version
    except BankError as refused:
        _refused(refused)
    click.echo(f"imported version {version}: {len(rows)} questions")


@quiz_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--version", "version", type=int, default=None,
              help="The bank version (default: the newest).")
def export_command(file: str, version: int | None) -> None:
    """Write a bank version as .xlsx in the template's layout (importable back)."""
    services = _services()
    with session_scope(services.db) as session:
        if version is None:
            bank = current_bank(session, services.contest.id)
        else:
            bank = session.scalars(select(QuizBank).where(
                QuizBank.contest_id == services.contest.id, QuizBank.version == version)).first()
        if bank is None:
            raise click.ClickException("no such bank version" if version else
                                       "no bank imported yet (see `quiz import`)")
        rows, version = export_rows(bank), bank.version
    Path(file).write_bytes(bank_workbook(rows))
    click.echo(f"wrote version {version}: {len(rows) - 1} questions to {file}")


@quiz_cli.command("template")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def template_command(file: str) -> None:
    """Write the bank template (.xlsx): the header and one 单选, 多选 and 判断 example."""
    Path(file).write_bytes(template_workbook())
    click.echo(f"wrote the question bank template to {file}")


@quiz_cli.command("offline")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def offline_command(file: str) -> None:
    """Replace the offline scores with a sheet's (姓名, 单位, 城市, 分数)."""
    services = _services()
    try:
        rows = parse_offline(services.contest, _read(file))
    except BankError as refused:
        _refused(refused)
    with session_scope(services.db) as session:
        count = import_offline(session, services.contest, rows, ACTOR, services.now())
    click.echo(f"offline scores imported: {count} (the previous offline list is replaced)")
