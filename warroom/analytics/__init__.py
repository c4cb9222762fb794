"""The numbers the headquarters decides on: pure functions over arrays.

No Django, no I/O (an import-linter contract in CI keeps it so). Arrays in, arrays or
frozen dataclasses out. Every default lives in :mod:`warroom.analytics.parameters` with
its unit and its source.
"""
