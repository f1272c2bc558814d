"""The one exception the data layer raises, with a message a reader can act on."""


class DataError(Exception):
    """A dataset is unknown, missing, corrupt or unreachable.

    Every message says what is wrong, which file it concerns, and how to fix it,
    because the person reading it is usually in the middle of `make book`.
    """
