"""The benchmark's normal failures: printed as one line, never as a traceback."""


class BenchError(RuntimeError):
    """A mode crashed or missed pages, the corpus is wrong, a database cannot be made (exit 1)."""


class UsageError(BenchError):
    """A wrong argument, such as N not a positive integer (exit 2)."""
