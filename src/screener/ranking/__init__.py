"""Relevance ranking, replayed screening (simulation) metrics and stopping rules.

Pure functions and plain classes on numpy/scikit-learn data: no database, no Qt.
"""
