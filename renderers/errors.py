"""The one error the renderers raise: every problem with the input, each naming its field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input field, in words a requester or admin can act on."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RenderError(ValueError):
    """Raised before anything is rendered when the input is invalid.

    Carries *every* problem found, not just the first, so a form can show them all at once.
    ``str(error)`` is one ``field: message`` line per problem.
    """

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems: list[FieldProblem] = list(problems)
        if not self.problems:
            raise ValueError("RenderError needs at least one problem")
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def fields(self) -> list[str]:
        """The names of the fields with problems, in the order found."""
        return [problem.field for problem in self.problems]
