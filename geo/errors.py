"""Exception hierarchy shared by the whole project.

Every error the project raises on purpose derives from :class:`CorridorError` and from the built-in exception
that best describes it, so callers may catch either.
"""
from __future__ import annotations


class CorridorError(Exception):
    """Base class for every error raised on purpose by this project."""


class DataFileError(OSError, CorridorError):
    """A data file is missing, unreadable or not in the expected format."""


class ValidationError(ValueError, CorridorError):
    """One or more validation problems, collected before raising.

    Parameters
    ----------
    problems
        Every problem found, each a :class:`geo.plan.Problem` (or any object with a readable ``str``).
    """

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} validation problem(s):\n{lines}")


class InvalidGeometry(ValueError, CorridorError):
    """A geometry is empty, invalid, of the wrong type, or outside where it belongs."""


class UnknownItem(KeyError, CorridorError):
    """An id that names no block, project or task."""

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
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class NetworkError(CorridorError):
    """Base class for road-network problems."""


class NetworkSourceError(ValueError, NetworkError):
    """A network source (OSM file, cache, download) cannot be used."""


class NetworkUnavailable(ConnectionError, NetworkError):
    """The network could not be fetched (no internet, timeout, server error)."""


class RingNotConnected(ValueError, NetworkError):
    """The ring road is empty or does not join the road network."""
