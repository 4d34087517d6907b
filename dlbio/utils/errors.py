"""The one exception type a user sees: printed as a single line, exit status 2."""


class DlbioError(Exception):
    """A problem with the user's input or environment (bad file, bad option).

    The CLI prints ``error: <message>`` on one line and exits with status 2;
    the message should name the file and the problem.
    """


def require(condition: bool, message: str) -> None:
    """Raise :class:`DlbioError` with *message* unless *condition* holds."""
    if not condition:
        raise DlbioError(message)
