"""Build resources/demo/medfm_demo.csv from ../shared/data/demo/medfm_papers.csv.

The shipped demo holds bibliographic facts only (title, year, venue, arXiv id, DOI, URL) plus
keywords derived from the category headings of the literature lists each paper appears in,
normalised to a small vocabulary (segmentation, CT, vision-language...). The corpus has no
abstracts, so these keywords are what gives a reviewer context to decide on.

    python scripts/make_demo_corpus.py [SOURCE_CSV] [OUT_CSV]
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO.parent / "shared" / "data" / "demo" / "medfm_papers.csv"
OUT = REPO / "resources" / "demo" / "medfm_demo.csv"

#: Each list as a whole is about something: its name gives terms to every paper it lists.
LIST_TERMS: dict[str, tuple[str, ...]] = {
    "SAM4MIS": ("segment anything", "segmentation"),
    "Awesome-CLIP-in-Medical-Imaging": ("CLIP", "vision-language"),
    "awesome-multimodal-in-medical-imaging": ("multimodal",),
    "awesome-medical-vision-language-models": ("vision-language",),
    "Awesome-Healthcare-Foundation-Models": ("foundation model",),
    "Awesome-Medical-Foundation-Models": ("foundation model",),
    "Awesome-Foundation-Models-in-Medical-Imaging": ("foundation model",),
}

#: Heading patterns (case-insensitive regular expressions) and the terms they stand for.
#: Headings that say nothing about content ("Papers", "Others", years) match nothing.
HEADING_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bSAM 2", ("segment anything", "SAM 2")),
    (r"\bSAM\b|segment anything", ("segment anything",)),
    (r"segmentation", ("segmentation",)),
    (r"vision[- ]language", ("vision-language",)),
    (r"report generation", ("report generation",)),
    (r"question answering", ("visual question answering",)),
    (r"pre-?training", ("pre-training",)),
    (r"\bCLIP\b", ("CLIP",)),
    (r"large language model", ("large language model",)),
    (r"\bMLLM\b|large multi-?modal", ("multimodal large model",)),
    (r"large vision model", ("vision foundation model",)),
    (r"classification", ("classification",)),
    (r"detection|locali[sz]ation", ("detection",)),
    (r"anomaly", ("anomaly detection",)),
    (r"dense prediction", ("dense prediction",)),
    (r"multi-?scale", ("multi-scale",)),
    (r"data-efficient", ("data-efficient",)),
    (r"knowledge-enhanced", ("knowledge-enhanced",)),
    (r"contrastive", ("contrastive learning",)),
    (r"cross-modal", ("cross-modal",)),
    (r"textual prompt", ("text prompting",)),
    (r"visual prompt", ("visual prompting",)),
    (r"conversational", ("conversational",)),
    (r"generative", ("generative",)),
    (r"generalist", ("generalist model",)),
    (r"adaptation", ("adaptation",)),
    (r"diagnosis", ("diagnosis",)),
    (r"surveys?\b|literature review", ("survey",)),
    (r"robustness|bias|explain", ("robustness and explainability",)),
    (r"\bX-ray", ("X-ray",)),
    (r"\bCT\b", ("CT",)),
    (r"\bMRI\b", ("MRI",)),
    (r"ultrasound", ("ultrasound",)),
    (r"histopatholog|patholog", ("pathology",)),
    (r"fundus|retina|ophthalm", ("ophthalmology",)),
    (r"dermatolog", ("dermatology",)),
    (r"endoscop", ("endoscopy",)),
    (r"microscop", ("microscopy",)),
    (r"medical imaging", ("medical imaging",)),
)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), terms) for p, terms in HEADING_TERMS)
# Review-of-reviews headings name what the list surveys, not that each paper is a survey.
_NOT_A_SURVEY = re.compile(r"literature reviews of", re.IGNORECASE)


def keywords(section_path: str) -> list[str]:
    """Normalised terms for one paper from its ``list: heading > heading || ...`` paths."""
    found: dict[str, None] = {}
    for entry in filter(None, (p.strip() for p in section_path.split("||"))):
        name, _, path = entry.partition(":")
        for term in LIST_TERMS.get(name.strip(), ()):
            found[term] = None
        headings = [h.strip() for h in path.split(">")][1:]  # the first is the list's own title
        for heading in headings:
            for pattern, terms in _COMPILED:
                if pattern.search(heading):
                    for term in terms:
                        if term == "survey" and _NOT_A_SURVEY.search(heading):
                            continue
                        found[term] = None
    return list(found)


def build(source: Path = SOURCE, out: Path = OUT) -> int:
    with open(source, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "year", "journal", "arxiv_id", "doi", "url", "keywords"])
        for r in rows:
            w.writerow([r["title"].strip(), r["year"].strip(), r["venue"].strip(), r["arxiv_id"].strip(),
                        r["doi"].strip(), r["url"].strip(), "; ".join(keywords(r["section_path"]))])
    tmp.replace(out)
    return len(rows)


if __name__ == "__main__":
    args = sys.argv[1:]
    n = build(Path(args[0]) if args else SOURCE, Path(args[1]) if len(args) > 1 else OUT)
    print(f"wrote {n} papers to {OUT if len(args) < 2 else args[1]}")
