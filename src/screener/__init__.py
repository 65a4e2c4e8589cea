"""screener: screening of papers for systematic and scoping reviews."""

__version__ = "0.1.0"
