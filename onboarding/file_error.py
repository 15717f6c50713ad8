"""The one error of a whole unusable upload (too large, not a spreadsheet, no header row)."""

from __future__ import annotations


class ImportFileError(ValueError):
    """The whole file is unusable; ``message_bg`` says why, for the person uploading it."""

    def __init__(self, message: str, message_bg: str) -> None:
        super().__init__(message)
        self.message_bg = message_bg
