"""Every error a user can cause and fix, in one leaf module that imports nothing of cnnbook.

Each message says what is wrong, which file or name it concerns, and how to fix it; the
CLI prints it as one line (no traceback) and exits with status 2.
"""


class BuildError(RuntimeError):
    """A build that cannot go on; the message says why and what to do."""


class CorruptCacheError(RuntimeError):
    """A cache entry whose files are missing or do not match their recorded checksums."""


class DataError(Exception):
    """A dataset is unknown, missing, corrupt or unreachable.

    The person reading the message is usually in the middle of `make book`, so it names
    the file and says how to get a good copy.
    """


class UnknownNameError(ValueError):
    """A network, layer, profile or image name that the book does not know (the message lists the known ones)."""


class NetworkDefinitionError(ValueError):
    """A network file that cannot be registered as it is (a missing profile, an undeclared layer kind)."""


class ChapterSourceError(ValueError):
    """A chapter source that cannot be built as it is."""


class ChapterExecutionError(RuntimeError):
    """A chapter cell raised: the message names the chapter file, the cell and its line."""


KNOWN_ERRORS: tuple[type[BaseException], ...] = (
    BuildError, CorruptCacheError, DataError, UnknownNameError, NetworkDefinitionError,
    ChapterSourceError, ChapterExecutionError, FileNotFoundError,
)
