"""The one exception type a user sees: printed as a single line, exit status 2."""


class DlbioError(Exception):
    """A problem with the user's input or environment (bad file, bad option).

    The CLI prints ``error: <message>`` on one line and exits with status 2;
    the message should name the file and the problem.
    """


def require(condition: bool, message: str) -> None:
    """Raise a one-line error unless a condition holds.

    Parameters
    ----------
    condition : bool
        What must hold.
    message : str
        The error's text: the file and the problem.

    Raises
    ------
    DlbioError
        With *message*, when *condition* is false.
    """
    if not condition:
        raise DlbioError(message)
