"""The fixed vocabularies of a review. Values are what the database and the CLI store and print."""

from __future__ import annotations

from enum import StrEnum

from screener.core.errors import UserError


class Stage(StrEnum):
    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"

    @classmethod
    def parse(cls, text: str) -> "Stage":
        """Accept the CLI spellings, including the short aliases ``ta`` and ``ft``."""
        value = (text or "").strip().lower().replace("-", "_")
        value = {"ta": cls.TITLE_ABSTRACT.value, "ft": cls.FULL_TEXT.value}.get(value, value)
        try:
            return cls(value)
        except ValueError:
            raise UserError(f"unknown stage {text!r}: use title_abstract (ta) or full_text (ft)") from None


class Label(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"

    @classmethod
    def parse(cls, text: str) -> "Label":
        value = (text or "").strip().lower()
        try:
            return cls(value)
        except ValueError:
            raise UserError(f"unknown label {text!r}: use include, exclude or maybe") from None


class Role(StrEnum):
    REVIEWER = "reviewer"
    ADJUDICATOR = "adjudicator"
    OWNER = "owner"

    @classmethod
    def parse(cls, text: str) -> "Role":
        value = (text or "").strip().lower()
        try:
            return cls(value)
        except ValueError:
            raise UserError(f"unknown role {text!r}: use reviewer, adjudicator or owner") from None


class SourceType(StrEnum):
    """PRISMA 2020 identification columns: databases/registers on the left, other methods right."""

    DATABASE = "database"
    REGISTER = "register"
    WEBSITE = "website"
    ORGANISATION = "organisation"
    CITATION = "citation"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> "SourceType":
        value = (text or "").strip().lower()
        value = {"organization": "organisation", "citations": "citation"}.get(value, value)
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise UserError(f"unknown source type {text!r}: use one of {choices}") from None
