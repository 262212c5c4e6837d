"""cur-desktop: the workstation of a regional management centre (ЦУР)."""

__version__ = "0.1.0"
