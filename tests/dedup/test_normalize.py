"""Normalisation of the fields that deduplication compares, on hand-made cases."""

from __future__ import annotations

import pytest

from screener.dedup.kinds import is_preprint, preprint_doi, record_kind
from screener.dedup.normalize import (
    author_tokens,
    blank,
    fold,
    journal_tokens,
    normalize_arxiv,
    normalize_doi,
    normalize_pmid,
    normalize_record,
    normalize_url,
    number_key,
    split_authors,
    split_pages,
    surname_key,
    title_alt_keys,
    title_head_key,
    title_key,
    title_main_key,
)

from .helpers import rec


def test_fold_drops_accents_spells_greek_and_keeps_other_scripts():
    assert fold("Nürnberger Ærø ß") == "nurnberger aero ss"
    assert fold("TGF-β and α-synuclein") == "tgf-beta and alpha-synuclein"
    assert fold("Hemolytic–Uremic") == "hemolytic-uremic"
    # Other scripts are kept (lower-cased, without diacritics), so their titles still compare.
    assert fold("ЗАЙНЯТІСТЬ") == fold("зайнятість") != ""


@pytest.mark.parametrize(
    "raw, key",
    [
        ("Eculizumab for Atypical Hemolytic–Uremic Syndrome.", "eculizumab for atypical hemolytic uremic syndrome"),
        # MEDLINE: translated title in brackets, language and type notes after it.
        ("[Paroxysmal nocturnal hemoglobinuria]. [French]", "paroxysmal nocturnal hemoglobinuria"),
        ("The impact of cervical cancer on quality of life. [Review] [51 refs]", "the impact of cervical cancer on quality of life"),
        ('"[Prevention of empyema in lung surgery. A prospective, randomized study]"',
         "prevention of empyema in lung surgery a prospective randomized study"),
        # The note on a corrected article is not part of its title.
        ("Dynamics of HPV16 DNA load.[Erratum appears in J Clin Virol. 2006 Oct;37(2):1]", "dynamics of hpv16 dna load"),
        ("<i>In vivo</i> imaging of CD8<sup>+</sup> cells", "in vivo imaging of cd8 cells"),
        ("RETRACTED: Provider feedback information", "provider feedback information"),
        # Errata cite the corrected article in their title, in two database styles.
        ("Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)",
         "eculizumab for atypical hemolytic uremic syndrome"),
        ("Eculizumab for atypical hemolytic-uremic syndrome (New England Journal of Medicine (2009) 360 (542-544))",
         "eculizumab for atypical hemolytic uremic syndrome"),
        # Embase's record of a letter and its replies.
        ("Atypical HUS associated with streptococcus (multiple letters) [1]", "atypical hus associated with streptococcus"),
        ("UNKNOWN", ""),
        ("", ""),
    ],
)
def test_title_key(raw, key):
    assert title_key(raw) == key


def test_title_variants_label_subtitle_and_translation():
    assert title_main_key("RETFound: A foundation model for generalizable disease detection") == (
        "a foundation model for generalizable disease detection"
    )
    assert title_main_key("Chapter 9: Clinical applications of HPV testing") == ""  # the label has a space
    assert title_head_key("Diminished control in crowdsourcing: An investigation of multitasking") == (
        "diminished control in crowdsourcing"
    )
    assert title_head_key("How do requirements evolve over time? A case study") == "how do requirements evolve over time"
    assert title_head_key("Single title without subtitle") == ""
    assert title_alt_keys("Crowdwork: Applying a relational inequality theory [Arbeiten in der Crowd: "
                          "Perspektiven der Theorie relationaler Ungleichheiten]") == (
        "arbeiten in der crowd perspektiven der theorie relationaler ungleichheiten",
    )
    assert title_alt_keys("Utilidad de los antimicrobianos en la toracostomia; Are antimicrobials useful in "
                          "closed thoracostomy") == (
        "utilidad de los antimicrobianos en la toracostomia", "are antimicrobials useful in closed thoracostomy",
    )
    assert title_alt_keys("Mechanisms of disease. [Review] [16 refs]") == ()


@pytest.mark.parametrize(
    "raw, doi",
    [
        ("10.1073/PNAS.1604234114", "10.1073/pnas.1604234114"),
        ("https://doi.org/10.1016/j.aohep.2019.04.013", "10.1016/j.aohep.2019.04.013"),
        ("doi: 10.1097/MOL.0b013e3282ffaf82.", "10.1097/mol.0b013e3282ffaf82"),
        ("10.1101/2023.11.17.567630v2.abstract", "10.1101/2023.11.17.567630"),
        ("not a doi", ""),
        ("None", ""),
    ],
)
def test_normalize_doi(raw, doi):
    assert normalize_doi(raw) == doi


def test_identifiers():
    assert normalize_arxiv("https://arxiv.org/pdf/2304.12637v2.pdf") == "2304.12637"
    assert normalize_arxiv("arXiv:cs/0101001v1") == "cs/0101001"
    assert normalize_pmid("PMID: 0012345 [pmid]") == "12345"
    assert normalize_url("https://www.nature.com/articles/s41586-023-06555-x/") == "nature.com/articles/s41586-023-06555-x"
    assert normalize_url("https://aisel.aisnet.org/cais") == ""  # a landing page names no single work
    assert normalize_url("https://openreview.net/pdf?id=TjWdyVWBAG") == "openreview.net/pdf?id=TjWdyVWBAG".lower()


@pytest.mark.parametrize(
    "raw, pages",
    [
        ("945-948", ("945", "948")),
        ("221-8", ("221", "228")),
        ("9848--9853", ("9848", "9853")),
        ("S417-S429", ("s417", "s429")),
        ("e1234", ("e1234", "e1234")),
        ("pp. 12-19", ("12", "19")),
        ("iii--xi", ("iii", "xi")),
        ("2243-5; author reply 2243-5", ("2243", "2245")),
        # An article printed in two languages: the whole span, whatever order the ranges come in.
        ("233-238+230-235+246-251", ("230", "251")),
        ('"230-5, 246-51, 233-8"', ("230", "251")),
        # Ranges a spreadsheet read as dates.
        ("01-Aug", ("1", "8")),
        ("Dec-15", ("12", "15")),
        ("15-Dec", ("12", "15")),
        ("Suppl-29", ("", "")),  # no usable first page
        ("215 p", ("", "")),  # a page count, not a page
        ("4 (1) (no pagination)", ("", "")),
        ("", ("", "")),
    ],
)
def test_split_pages(raw, pages):
    assert split_pages(raw) == pages


def test_numbers():
    assert number_key("4 (1) (no pagination)") == "4"
    assert number_key("007") == "7"
    assert number_key("Suppl") == "suppl"
    assert number_key("") == ""


def test_author_tokens_ignore_name_order_and_initials():
    assert author_tokens("Zuber, J.") == author_tokens("Zuber J") == author_tokens("J. Zuber") == {"zuber"}
    assert author_tokens("Abrahao, Bruno") == {"abrahao", "bruno"}
    assert author_tokens("Le Quintrec, M.") == {"quintrec"}
    assert author_tokens("Savell, V. H., Jr.") == {"savell"}
    assert author_tokens("Nürnberger, Jens") == {"nurnberger", "jens"}


def test_split_authors_undoes_glued_vancouver_names():
    assert split_authors(("Tan A.Schulze A.O'Donnell C. P.Davis P. G.",)) == [
        "Tan A.", "Schulze A.", "O'Donnell C. P.", "Davis P. G.",
    ]
    assert split_authors(("Smith, J", "", "UNKNOWN", "Jones, K")) == ["Smith, J", "Jones, K"]


def test_surname_key():
    assert surname_key("Goicoechea de Jorge, E.") == "goicoechea"
    assert surname_key("Le Quintrec M") == "quintrec"
    assert surname_key("B. Abrahao") == "abrahao"
    assert surname_key("Bruno Abrahao") == "abrahao"


def test_journal_tokens():
    assert journal_tokens("Journal of the American College of Cardiology") == ("journal", "american", "college", "cardiology")
    assert journal_tokens("PLoS ONE [Electronic Resource]") == ("plos", "one")
    assert journal_tokens("Journal of clinical virology : the official publication") == ("journal", "clinical", "virology")
    assert journal_tokens("Nephrology.Conference: 47th Annual Scientific Meeting") == ("nephrology",)
    assert journal_tokens("50Th Annual Hawaii International Conference On System Sciences") == (
        "hawaii", "international", "conference", "system", "sciences",
    )
    assert journal_tokens("tripleC: Communication, Capitalism & Critique", cut=False) == (
        "triplec", "communication", "capitalism", "critique",
    )
    # Elisions, with or without their apostrophe; a letter naming a series stays.
    assert journal_tokens("Annales françaises d'anesthésie et de réanimation") == (
        journal_tokens("Annales Francaises d Anesthesie et de Reanimation")
    ) == ("annales", "francaises", "anesthesie", "reanimation")
    assert journal_tokens("Physical Review D") == ("physical", "review", "d")


@pytest.mark.parametrize(
    "title, kind",
    [
        ("Erratum: Severe deficiency of the specific von Willebrand factor-cleaving protease", "erratum"),
        ("Corrigendum to \"Joint collaborative planning\"", "erratum"),
        ("Correction to: A study of things", "erratum"),
        ("Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)", "erratum"),
        ('"Escitalopram and problem-solving therapy": Correction', "erratum"),
        ("Atypical hemolytic uremic syndrome associated with streptococcus - Reply", "reply"),
        ("Authors' Reply to Allport and Kerler (2003)", "reply"),
        ("Response to the letter by Smith", "reply"),
        ("Comment on Benbasat and Barki's \"Quo Vadis TAM\" article", "comment"),
        ("Re: Screening for cervical cancer", "comment"),
        ("Retraction notice to \"A paper\"", "retraction"),
        ("Atypical hemolytic uremic syndrome (multiple letters) [1]", "letters"),
        # Ordinary titles that merely contain such words.
        ("Correction of post-stroke cognitive impairments using computer programs", ""),
        ("Response to radiofrequency ablation of pulmonary tumours", ""),
        ("Evaluating the risk of cervical precancer.[Erratum appears in Cancer Epidemiol 2006]", ""),
        ("The role of privacy concerns in trust", ""),
    ],
)
def test_record_kind(title, kind):
    assert record_kind(title) == kind


def test_record_kind_from_publication_type():
    assert record_kind("A title", "Published Erratum") == "erratum"
    assert record_kind("A title", "Journal Article") == ""


def test_preprints():
    assert preprint_doi("10.1101/2023.11.17.567630") and not preprint_doi("10.1038/s41586-023-06555-x")
    assert is_preprint("arXiv", "", "")
    assert is_preprint("", "10.48550/arxiv.2301.00785", "2301.00785")
    assert is_preprint("", "", "2301.00785")
    assert not is_preprint("MICCAI", "10.48550/arxiv.2307.07246", "2307.07246")  # the venue decides
    assert not is_preprint("Nature", "", "")


def test_normalize_record_collects_identifiers_from_urls():
    n = normalize_record(rec("A title here", url="https://arxiv.org/abs/2310.18689v3"))
    assert n.arxiv == "2310.18689" and n.preprint
    n = normalize_record(rec("A title here", url="https://doi.org/10.1002/mp.17481", journal="Med Phys"))
    assert n.doi == "10.1002/mp.17481" and not n.preprint
    n = normalize_record(rec("A title", doi="10.48550/arXiv.2404.00226"))
    assert n.arxiv == "2404.00226"


def test_normalize_record_lazy_fields():
    n = normalize_record(rec("T", "Smith, John and Doe, J", abstract="An <b>abstract</b>, here."))
    assert n.authors == (frozenset({"smith", "john"}), frozenset({"doe"}))
    assert n.abstract == "an b abstract b here"
    assert n.first_author == "smith"


def test_blank_placeholders():
    assert blank("") and blank("  UNKNOWN ") and blank("None") and blank(None)
    assert not blank("0")
