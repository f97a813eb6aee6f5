"""``python -m newsgen``."""

from .cli import run

run()
