"""Plain building blocks shared by every layer: enums, frozen dataclasses, errors, progress."""
