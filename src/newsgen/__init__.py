"""newsgen: a static site generator for news publishers."""

__version__ = "0.1.0"
