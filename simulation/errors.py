"""Errors a user can act on: which file, which field, what was expected, what was found."""

from __future__ import annotations


class ScenarioError(Exception):
    """An invalid scenario file. The CLI prints it and exits with code 2."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems  # (field path, message)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [
            f"{shorten(self.file)}: invalid scenario ({len(self.problems)} problem{'s' if len(self.problems) > 1 else ''})"
        ]
        lines += [f"  {shorten(path) or '(file)'}: {shorten(msg, 600)}" for path, msg in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_SHOWN} more")
        return "\n".join(lines)


MAX_SHOWN = 30  # problems listed; a message stays readable (a few kB at most)


def shorten(text: str, limit: int = 200) -> str:
    """Long names and messages cut in the middle: a 50 MB value is never echoed whole."""
    return text if len(text) <= limit else f"{text[: limit // 2]} ... {text[-limit // 4 :]} ({len(text):,} characters)"


class ArgumentError(Exception):
    """A command-line argument refused before anything ran or was written: the CLI exits with code 2."""
