"""Exception hierarchy shared by the whole project.

Every error the project raises on purpose derives from :class:`CorridorError` and from the built-in exception
that best describes it, so callers may catch either.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence


class CorridorError(Exception):
    """Base class for every error raised on purpose by this project."""


class DataFileError(OSError, CorridorError):
    """A data file is missing, unreadable or not in the expected format."""


class ValidationError(ValueError, CorridorError):
    """One or more validation problems, collected before raising.

    Parameters
    ----------
    problems
        Every problem found, each a :class:`geo.plan.layers.Problem` (or any object with a readable ``str``).
    """

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} validation problem(s):\n{lines}")


class InvalidGeometry(ValueError, CorridorError):
    """A geometry is empty, invalid, of the wrong type, or outside where it belongs."""


class UnknownItem(KeyError, CorridorError):
    """An id that names no block, project or task.

    Parameters
    ----------
    message
        Which id is unknown and what ids look like.
    item_id
        The unknown id (or ids, comma-separated), so that a user interface can name it in its own language.
    """

    def __init__(self, message: str = "", *, item_id: str | None = None) -> None:
        self.item_id = item_id
        super().__init__(message)

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


class InvalidParameter(ValueError, CorridorError):
    """A caller-supplied option is out of range or of the wrong kind.

    Parameters
    ----------
    field
        The name of the offending parameter, as the caller spelled it.
    message
        What was expected, what was got, and how to fix it.
    kind
        A stable code for what is wrong (e.g. ``"number_range"``), so that a user interface can say it in its own
        language without reading ``message``; ``None`` when no code was given.
    details
        The values ``message`` quotes (limits, what was got), for the same purpose.
    """

    def __init__(self, field: str, message: str, *, kind: str | None = None,
                 details: Mapping[str, object] | None = None) -> None:
        self.field = field
        self.kind = kind
        self.details = dict(details or {})
        super().__init__(f"{field}: {message}")


class NetworkError(CorridorError):
    """Base class for road-network problems."""


class NetworkSourceError(ValueError, NetworkError):
    """A network source (OSM file, cache, download) cannot be used."""


class NetworkUnavailable(ConnectionError, NetworkError):
    """The network could not be fetched (no internet, timeout, server error)."""


class RingNotConnected(ValueError, NetworkError):
    """The ring road is empty or does not join the road network."""


class MatchFailed(ValueError, NetworkError):
    """An approximate line or ring could not be matched onto the road network (no road near it, no connection)."""


class EditConflict(RuntimeError, CorridorError):
    """Someone else changed the item since the caller read it (optimistic concurrency; the web answers 409).

    Parameters
    ----------
    item_id
        The item whose version moved on.
    expected
        The version the caller's edit was based on.
    actual
        The item's version now, or ``None`` if it could not be read.
    """

    def __init__(self, item_id: str, expected: int, actual: int | None) -> None:
        self.item_id = item_id
        self.expected = expected
        self.actual = actual
        now = f"it is now at version {actual}" if actual is not None else "it changed meanwhile"
        super().__init__(f"{item_id} was changed by someone else: the edit was based on version {expected}, {now}; "
                         "reload the item and apply the edit again")


class BackupFormatError(ValueError, CorridorError):
    """A file given to ``corridor restore`` is not a backup this version can restore."""


class BackupContentError(BackupFormatError):
    """A backup of the right format whose rows break the schema's rules (a bad role, a percentage of 5000, a report
    of an item the backup lacks, an impossible date): nothing of it is restored."""


class DatabaseUnavailable(ConnectionError, CorridorError):
    """The status database cannot be reached or opened, or its file vanished or was replaced while in use."""


class DatabaseMissing(DatabaseUnavailable):
    """The status database an instance has used is missing (refused rather than replaced by an empty one)."""


class DatabaseNotWritable(DatabaseUnavailable):
    """The status database can be read but not written: a read-only file, folder or volume, a full disk, or a
    PostgreSQL server that accepts reads only. Nothing of the failed write was saved."""


class NeedsConfirmation(ValueError, CorridorError):
    """Input that may be true but is unusual (a value far above its target, progress going back): nothing was
    written; write it again with confirmation to keep it (the web answers 422 ``needs_confirmation``).

    Parameters
    ----------
    findings
        Why it is unusual: :class:`geo.plan.validate.Problem` objects, each with a ``kind`` and the values it quotes.
    """

    def __init__(self, findings: list) -> None:
        self.findings = list(findings)
        lines = "\n".join(f"  - {finding}" for finding in self.findings)
        super().__init__(f"{len(self.findings)} unusual value(s) need confirmation; check them and send the write "
                         f"again confirmed (confirm=true) to keep them:\n{lines}")


def raise_parameter_problems(problems: Sequence[InvalidParameter]) -> None:
    """Raise nothing, the one problem, or one :class:`InvalidParameter` naming every field and listing every
    message (kind ``"several"``, the problems in its details)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidParameter(", ".join(dict.fromkeys(p.field for p in problems)),
                               "; ".join(str(p) for p in problems), kind="several", details={"problems": problems})
