"""The ``corridor`` command line: thin wrappers over :mod:`geo` and :mod:`web`."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from geo.errors import CorridorError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def main(verbose: bool) -> None:
    """Daluoshan corridor map: plan data, accessibility checks, inspection tours, web app."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding blocks/roads/tasks/districts.geojson (default: the project's data/).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate(data_dir: Path | None, as_json: bool) -> None:
    """Check the plan's data layers; exit 0 when valid, 1 listing every problem when not."""
    from geo.report import format_report, validation_report

    report = validation_report(data_dir)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report["valid"] else 1)
