"""The one error every school rule raises: :class:`RuleError` (English ``str(e)`` for logs,
Bulgarian ``message_bg`` for people, a short ``code``).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations


class RuleError(ValueError):
    """A broken school rule.

    ``str(e)`` is English, for logs; ``e.message_bg`` is a clear Bulgarian sentence to show to
    teachers and parents; ``e.code`` is a short machine-readable reason (e.g. ``"grade.range"``).
    It subclasses :class:`ValueError`, so callers that catch ``ValueError`` keep working.
    """

    def __init__(self, message: str, message_bg: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message: str = message
        self.message_bg: str = message_bg
        self.code: str = code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[RuleError], tuple[str, str, str]]:
        return (type(self), (self.message, self.message_bg, self.code))
