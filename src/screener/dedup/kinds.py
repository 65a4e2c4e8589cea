"""What sort of item a record is: an ordinary paper, a notice about another paper, a preprint.

An erratum, a reply or a comment often repeats the title of the article it is about, so title
similarity alone would merge them with it. Marking their kind lets the pair rules veto such
merges. The patterns look only at how databases phrase these notices (a leading "Erratum:",
a trailing "- Reply", Web of Science's "(vol 360, pg 542, 2009)"); words such as "correction"
or "response" inside ordinary titles ("Correction of scoliosis", "Response to treatment") are
deliberately not enough.
"""

from __future__ import annotations

import re

_ERRATUM = re.compile(
    r"^\W*(?:errat(?:um|a)|corrigend(?:um|a)|published erratum|notice of correction)\b"
    r"|^\W*corrections?\s*(?::|-|to\b|notice\b|for\b)"
    r"|\(vol\.?\s*\d+\w*,?\s*(?:pg|p|pp|page)\.?\s*\w+"  # Web of Science: "(vol 85, pg 553, 2010)"
    r"|\((?:[^()]{3,})\((?:19|20)\d\d\)\s*\d+\s*\(\s*\w+"  # Embase: "(N Engl J Med (2009) 360 (542-544))"
    r"|[\"”']\s*:\s*(?:correction|erratum|corrigendum)\s*\.?$"  # APA: "\"Title\": Correction"
    r"|^\W*(?:correction|erratum|corrigendum)\W*$",
    re.IGNORECASE,
)
_REPLY = re.compile(
    r"\breply\b|\brejoinder\b"
    r"|^\W*(?:a\s+)?responses?\s+to\s+(?:the\s+)?(?:letters?|comments?|commentary|commentaries|"
    r"editor|critique|criticism|reviewers?|dr\b|drs\b|professor)"
    r"|[-:]\s*(?:a\s+|the\s+authors'?\s+)?response\s*\.?$",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    r"^\W*(?:a\s+)?(?:comments?|commentary)\s+(?:on|to|about)\b"
    r"|^\W*re\s*:"
    r"|[-:]\s*(?:editorial\s+)?comment(?:ary)?\s*\.?$|\beditorial comment\s*\.?$",
    re.IGNORECASE,
)
_RETRACTION = re.compile(
    r"^\W*(?:notice\s+of\s+)?retraction(?:\s+notice)?\s*(?::|-|to\b|of\s+(?:the\s+)?(?:article|paper))"
    r"|^\W*retraction\W*$|^\W*(?:editorial\s+)?expression\s+of\s+concern",
    re.IGNORECASE,
)
# Embase indexes a letter and the replies printed with it as one record titled
# "<title> (multiple letters)", with the authors of all of them.
_LETTERS = re.compile(r"\(multiple letters\)", re.IGNORECASE)
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
# Substrings at least one of which every pattern below needs; a cheap first test.
_CUES = ("errat", "corrig", "correct", "repl", "rejoinder", "respons", "comment", "retract",
         "concern", "re:", "re :", "(vol", "(19", "(20", "(multiple letters)")
# Publication types as databases name them (RIS TY, PubMed PT, BibTeX entry types).
_TYPE_KINDS = (
    ("erratum", re.compile(r"errat|corrigend|correction", re.I)),
    ("retraction", re.compile(r"retraction|expression of concern", re.I)),
    ("comment", re.compile(r"^comment$", re.I)),
)

# DOI prefixes of preprint servers: bioRxiv/medRxiv, arXiv, Research Square, SSRN,
# Preprints.org, OSF Preprints/PsyArXiv/SocArXiv, TechRxiv, ChemRxiv, JMIR Preprints.
_PREPRINT_DOI = (
    "10.1101/", "10.48550/", "10.21203/", "10.2139/", "10.20944/", "10.31219/", "10.31234/",
    "10.31235/", "10.31222/", "10.36227/", "10.26434/", "10.2196/preprints",
)
_PREPRINT_VENUE = re.compile(
    r"arxiv|biorxiv|medrxiv|chemrxiv|techrxiv|psyarxiv|socarxiv|ssrn|research\s*square|"
    r"preprints?\b|openreview",
    re.IGNORECASE,
)


def record_kind(title: str, pub_type: str = "") -> str:
    """"erratum", "reply", "comment", "retraction", "letters" (several letters in one
    record), or "" for an ordinary item.

    Bracketed notes are ignored first: "[Erratum appears in ...]" marks the *corrected article*,
    not an erratum.
    """
    text = _BRACKETS.sub(" ", title or "").strip()
    low = text.lower()
    if low and any(cue in low for cue in _CUES):  # most titles have no cue at all
        if _LETTERS.search(text):
            return "letters"
        for kind, pattern in (("erratum", _ERRATUM), ("retraction", _RETRACTION),
                              ("reply", _REPLY), ("comment", _COMMENT)):
            if pattern.search(text):
                return kind
    if pub_type:
        for kind, pattern in _TYPE_KINDS:
            if pattern.search(pub_type):
                return kind
    return ""


def preprint_doi(doi: str) -> bool:
    """True for a DOI registered by a preprint server."""
    return bool(doi) and doi.startswith(_PREPRINT_DOI)


def is_preprint(journal: str, doi: str, arxiv: str, pub_type: str = "") -> bool:
    """True when the record describes a preprint rather than a published version.

    The venue decides when there is one: a record naming a journal or conference but linking
    to arXiv (as lists of papers often do) describes the published paper.
    """
    if pub_type and re.search(r"preprint|unpublished", pub_type, re.I):
        return True
    venue = journal.strip(" -")
    if venue:
        return bool(_PREPRINT_VENUE.search(venue))
    return preprint_doi(doi) or bool(arxiv)

