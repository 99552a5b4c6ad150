"""The one error of the configuration: the operator's problem, one line per problem."""

from __future__ import annotations


class ConfigError(Exception):
    """The operator's problem: `rules.toml` or the environment is wrong. One line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
