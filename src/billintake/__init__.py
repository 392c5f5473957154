"""billintake: bills in, correct entries in the books out."""

__version__ = "0.1.0"
