"""The errors a user can cause and fix: the CLI prints them as one clear message, exit code 2."""


def known_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message already says what is wrong and how to fix it."""
    from cnnbook.build import BuildError
    from cnnbook.cache import CorruptCacheError
    from cnnbook.data.errors import DataError
    from cnnbook.models.registry import UnknownNameError
    from cnnbook.pages.execute import ChapterExecutionError
    from cnnbook.pages.source import ChapterSourceError

    return (BuildError, CorruptCacheError, DataError, UnknownNameError, ChapterExecutionError,
            ChapterSourceError, FileNotFoundError)
