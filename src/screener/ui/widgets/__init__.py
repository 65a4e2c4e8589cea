"""Widgets of the screening view."""
