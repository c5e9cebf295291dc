"""The ``corridor`` command group (the ``corridor`` entry point): its options, and each family's commands added."""
from __future__ import annotations

import logging

import click

from web.cli.access import access_command
from web.cli.database import backup_command, restore_command, user_group
from web.cli.plan_data import fetch_network_command, validate
from web.cli.reports import export_command, report_command
from web.cli.serve import serve_command
from web.cli.tours import tour_command


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def main(verbose: bool) -> None:
    """Daluoshan corridor map: plan data, accessibility checks, inspection tours, web app."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


for _command in (validate, fetch_network_command, tour_command, report_command, user_group, serve_command,
                 access_command, export_command, backup_command, restore_command):
    main.add_command(_command)
