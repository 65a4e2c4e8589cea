"""The demo project: a real corpus of papers on large and foundation models in medical imaging.

The papers come from seven public literature lists (see resources/demo/README.md); the shipped
file holds their bibliographic facts and keywords derived from the lists' category headings.
The project is built like any other: ``init_project`` with the ``medical-imaging-fm`` template,
then the corpus goes through the normal import path, so the demo exercises what users run.
"""

from __future__ import annotations

from pathlib import Path

from screener.core.errors import ProjectVersionError, UserError
from screener.core.progress import Progress
from screener.core.resources import resource
from screener.services.importing import import_files
from screener.services.project import init_project, open_project, update_settings

DEMO_FILE = "medfm_demo.csv"
DEMO_TITLE = "Foundation models in medical imaging (demo)"
#: The first is the owner; the demo opens as the first.
DEMO_REVIEWERS = ("ana", "ben")
DEMO_SOURCE = "Awesome lists: foundation models in medical imaging"

_QUESTION = ("Which large and foundation models (LLMs, vision foundation models such as SAM, "
             "vision-language and multimodal models) have been developed or adapted for medical imaging, "
             "for which tasks and modalities, and how were they adapted?")
_INCLUSION = ("Original studies that develop, adapt or evaluate a large or foundation model on medical "
              "images (any modality, any task), with a quantitative evaluation.")
_EXCLUSION = ("Not a large or foundation model; not medical images (text, signals only); reviews, "
              "surveys, editorials and commentaries; no evaluation on medical images.")


def demo_corpus() -> Path:
    """The shipped demo corpus file."""
    return resource("demo", DEMO_FILE)


def default_demo_path() -> Path:
    """Where ``screener demo`` puts the project when no path is given (the user's data folder)."""
    import platformdirs

    return platformdirs.user_data_path("screener") / "demo" / "medfm-demo.screener"


def _remove_project_file(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def build_demo(path: str | Path | None = None, overwrite: bool = False, progress: Progress | None = None) -> Path:
    """Build the demo project at ``path`` and return its path.

    An existing demo project at ``path`` is kept as it is (so screening done in it survives a
    second ``screener demo``) unless ``overwrite`` is set; any other existing file is refused.
    """
    target = Path(path) if path is not None else default_demo_path()
    if target.exists():
        if target.is_dir():
            raise UserError(f"{target}: is a folder; give a file name for the demo project")
        if not overwrite:
            try:
                open_project(target).close()
            except ProjectVersionError:
                raise UserError(f"{target}: exists and is not a screener project; choose another path") from None
            return target
        _remove_project_file(target)
    store = init_project(target, title=DEMO_TITLE, reviewers=list(DEMO_REVIEWERS), template="medical-imaging-fm",
                         question=_QUESTION)
    try:
        update_settings(store, inclusion_criteria=_INCLUSION, exclusion_criteria=_EXCLUSION,
                        stage_changes={"title_abstract": {"blind": True}, "full_text": {"blind": True}})
        import_files(store, [demo_corpus()], source=DEMO_SOURCE, source_type="website",
                     imported_by=DEMO_REVIEWERS[0], progress=progress)
    except BaseException:
        store.close()
        _remove_project_file(target)
        raise
    store.close()
    return target
