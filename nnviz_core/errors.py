"""The one exception family that reaches users as a one-line message (exit status 2)."""


class NnvizError(Exception):
    """A problem the user can fix; its message says what is wrong and how to fix it."""


class ConfigError(NnvizError, ValueError):
    """A RunConfig field with a value it does not accept.

    ``field`` is the dataclass field name, so each front end (CLI flag, manim.cfg key) can name
    the setting in its own words.
    """

    def __init__(self, field: str, value, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(self.named(field))

    def named(self, name: str) -> str:
        """The message with the setting called by its front-end name, e.g. ``--lr -1: ...``."""
        value = self.value
        shown = ",".join(map(str, value)) if isinstance(value, (tuple, list)) else value
        return f"{name} {shown}: {self.allowed}"


class TrainingDiverged(NnvizError):
    pass


class HistoryFileError(NnvizError):
    pass
