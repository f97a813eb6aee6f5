"""Errors that carry their place: every problem newsgen reports names a file and a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Every character that str.splitlines() breaks on, shown as its escape instead.
_LINE_BREAKS = {
    ord(char): char.encode("unicode_escape").decode("ascii") for char in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
}


@dataclass(frozen=True, slots=True)
class SourceLocation:
    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


class NewsgenError(Exception):
    """A problem in the user's input, printed as ``path:line: message``."""

    kind = "error"

    def __init__(self, location: SourceLocation | None, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message

    def __str__(self) -> str:
        # One problem, one line: a newline quoted from the input must not start a line of its own.
        message = self.message.translate(_LINE_BREAKS)
        return f"{self.location}: {message}" if self.location else message

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.location, self.message))


class ConfigError(NewsgenError):
    pass


class ContentError(NewsgenError):
    pass


class TemplateError(NewsgenError):
    pass


class OutputError(NewsgenError):
    pass


class BuildFailed(Exception):
    """Every error found in one run, raised once loading or rendering is over."""

    def __init__(self, errors: list[NewsgenError] | tuple[NewsgenError, ...]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.errors,))


class UsageError(NewsgenError):
    """The command was asked for something it refuses to do (exit code 2)."""
