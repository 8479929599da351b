"""融媒 Rongmei: the working system of a county converged media center."""

__version__ = "0.1.0"
