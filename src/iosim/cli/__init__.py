"""The ``iosim`` command line: a thin layer over the public API."""
