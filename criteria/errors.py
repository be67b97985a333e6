"""Errors raised while loading definitions (facts, site values, trial files)."""


class DefinitionError(ValueError):
    """A definition file is wrong; `where` names the file and the entry, `problem` the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
