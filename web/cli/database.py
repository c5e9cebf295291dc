"""``corridor user …``, ``corridor backup`` and ``corridor restore``: the status database's users and copies."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from web.cli.common import DATABASE_URL_OPTION, on_status_store


@click.group("user")
def user_group() -> None:
    """Manage the people who may sign in (roles: viewer, editor, admin)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "editor", "admin"]), help="What the user may do.")
@click.option("--password", default=None, help="The password (default: prompt, or read from stdin when piped).")
@DATABASE_URL_OPTION
def user_add_command(name: str, role: str, password: str | None, database_url: str | None) -> None:
    """Create the user NAME with a hashed password."""
    import getpass

    from geo.accounts.users import add_user

    password = _read_password(password)
    user = on_status_store(database_url, lambda store: add_user(store, name, role=role, password=password,
                                                                actor=f"cli:{getpass.getuser()}"))
    click.echo(f"added user {user.name} ({user.role})")


def _read_password(given: str | None) -> str:
    """``--password``, else a line of stdin when piped, else a hidden prompt asked twice."""
    if given is None and not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    if given is None:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return given


@user_group.command("password")
@click.argument("name")
@click.option("--password", default=None, help="The new password (default: prompt, or read from stdin when piped).")
@DATABASE_URL_OPTION
def user_password_command(name: str, password: str | None, database_url: str | None) -> None:
    """Set a new password for NAME (e.g. a forgotten one); all of NAME's sessions end."""
    import getpass

    from geo.accounts.users import set_password

    password = _read_password(password)
    user = on_status_store(database_url, lambda store: set_password(store, name, password=password,
                                                                    actor=f"cli:{getpass.getuser()}"))
    click.echo(f"new password set for {user.name}; their sessions have ended")


@user_group.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
@DATABASE_URL_OPTION
def user_disable_command(name: str, enable: bool, database_url: str | None) -> None:
    """Disable NAME: no more logins, and all of NAME's sessions end at once (--enable undoes it)."""
    import getpass

    from geo.accounts.users import set_active

    user = on_status_store(database_url, lambda store: set_active(store, name, active=enable,
                                                                  actor=f"cli:{getpass.getuser()}"))
    click.echo(f"{user.name} {'enabled' if user.active else 'disabled; their sessions have ended'}")


@user_group.command("list")
@DATABASE_URL_OPTION
def user_list_command(database_url: str | None) -> None:
    """List the users and their roles."""
    from geo.accounts.users import list_users

    users = on_status_store(database_url, list_users)
    for user in users:
        click.echo(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d %H:%M} UTC"
                   + ("" if user.active else "\tdisabled"))


@click.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file to write (replaced atomically).")
@click.option("--format", "backup_format", type=click.Choice(["sqlite", "json"]), default=None,
              help="sqlite: a consistent copy of a SQLite database (its default); json: a logical dump of the "
                   "tables (the default for PostgreSQL, restorable into either).")
@DATABASE_URL_OPTION
def backup_command(out_path: Path, backup_format: str | None, database_url: str | None) -> None:
    """Back up the status database while the app keeps running."""
    from geo.status.backup import backup

    summary = on_status_store(database_url, lambda store: backup(store, out_path, format=backup_format),
                              create=False)  # backing up a database created just now would copy nothing
    click.echo(f"backed up {summary.total_rows} rows (schema {summary.revision}) to {out_path} as {summary.format}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@DATABASE_URL_OPTION
def restore_command(backup_file: Path, replace: bool, database_url: str | None) -> None:
    """Restore the status database from BACKUP_FILE in one transaction (all or nothing)."""
    from geo.status.backup import restore

    summary = on_status_store(database_url, lambda store: restore(store, backup_file, replace=replace),
                              init=True)  # restoring is how a missing database comes back
    click.echo(f"restored {summary.total_rows} rows (schema {summary.revision}) from {backup_file}")
