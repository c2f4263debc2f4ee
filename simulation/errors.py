"""Errors a user can act on: which file, which field, what was expected, what was found."""

from __future__ import annotations


class ScenarioError(Exception):
    """An invalid scenario file. The CLI prints it and exits with code 2."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems  # (field path, message)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}: invalid scenario ({len(self.problems)} problem{'s' if len(self.problems) > 1 else ''})"]
        lines += [f"  {path or '(file)'}: {msg}" for path, msg in self.problems]
        return "\n".join(lines)
