"""The compiled cffi module: eddy._eddy_cffi when pip-installed, _eddy_cffi in-tree (tests)."""
try:
    from ._eddy_cffi import ffi, lib  # type: ignore[import-not-found]
except ImportError:  # in-tree: eddy_build.py wrote _eddy_cffi beside the build dir's path entry
    from _eddy_cffi import ffi, lib  # type: ignore[import-not-found,no-redef]

__all__ = ["ffi", "lib"]
