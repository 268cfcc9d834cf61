"""The package version, in a module of its own so that modules inside iosim can read it without
importing the package facade (``iosim/__init__.py``)."""

__version__ = "0.1.0"
