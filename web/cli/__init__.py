"""The ``corridor`` command line: thin wrappers over :mod:`geo` and :mod:`web`.

Start at :mod:`~web.cli.main` (the command group, the ``corridor`` entry point). One module per family of commands:
:mod:`~web.cli.plan_data` (validate, fetch-network), :mod:`~web.cli.access`, :mod:`~web.cli.tours`,
:mod:`~web.cli.reports` (report, export), :mod:`~web.cli.database` (user, backup, restore) and
:mod:`~web.cli.serve`; what they share (failing with a message, opening the status database) is
:mod:`~web.cli.common`.
"""
__all__ = ["main", "serve"]
