"""Console accounts: `contestbot users create|password|disable|list`."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from bot import audit
from bot.db import session_scope
from bot.models import CONSOLE_ROLES, ConsoleUser

users_cli = AppGroup("users", help="Console accounts (organizers and judges).")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A console account cannot be created or changed as asked."""


def create_user(services, username: str, password: str, role: str) -> ConsoleUser:
    """Add a console account with a hashed password; UserError on bad input or a taken name."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise UserError("username must be 1-64 characters")
    if role not in CONSOLE_ROLES:
        raise UserError(f"role must be one of {', '.join(CONSOLE_ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password must have at least {MIN_PASSWORD} characters")
    try:
        with session_scope(services.db) as db:
            user = ConsoleUser(username=username, password_hash=generate_password_hash(password),
                               role=role, created_at=services.now())
            db.add(user)
            db.flush()
            audit.record(db, "cli", "console.user_created", "console_user", user.id,
                         services.now(), role=role)
    except IntegrityError:
        raise UserError(f"user {username!r} already exists") from None
    return user


def end_sessions(db, user_id: int) -> None:
    """Bump the account's session version: every session cookie issued before stops working."""
    db.execute(update(ConsoleUser).where(ConsoleUser.id == user_id)
               .values(session_version=ConsoleUser.session_version + 1))


def _change(services, username: str, action: str, **values) -> None:
    """Change an account and end its sessions (a new password or a disabled account)."""
    with session_scope(services.db) as db:
        user = db.scalars(select(ConsoleUser).where(ConsoleUser.username == username)).first()
        if user is None:
            raise UserError(f"no user {username!r}")
        for key, value in values.items():
            setattr(user, key, value)
        db.flush()
        end_sessions(db, user.id)
        audit.record(db, "cli", action, "console_user", user.id, services.now())


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(CONSOLE_ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted when not given.")
def create_command(username: str, role: str, password: str) -> None:
    """Create a console user (organizer or judge)."""
    try:
        create_user(current_app.extensions["contestbot"], username, password, role)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {username}")


@users_cli.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def password_command(username: str, password: str) -> None:
    """Set a new password for a console user."""
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"password must have at least {MIN_PASSWORD} characters")
    try:
        _change(current_app.extensions["contestbot"], username, "console.password_set",
                password_hash=generate_password_hash(password))
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"password of {username} changed")


@users_cli.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again.")
def disable_command(username: str, enable: bool) -> None:
    """Disable (or with --enable re-enable) a console user."""
    try:
        _change(current_app.extensions["contestbot"], username,
                "console.user_enabled" if enable else "console.user_disabled", disabled=not enable)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{username} {'enabled' if enable else 'disabled'}")


@users_cli.command("list")
def list_command() -> None:
    """List console users."""
    with session_scope(current_app.extensions["contestbot"].db) as db:
        for user in db.scalars(select(ConsoleUser).order_by(ConsoleUser.username)):
            state = "disabled" if user.disabled else "active"
            click.echo(f"{user.username:<24} {user.role:<10} {state}")
