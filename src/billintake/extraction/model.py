"""The shipped spaCy pipeline: the rule components (`nlp.py`) and the trained field scorer
(`scorer.py`, which registers the `field_scorer` factory), loaded from `models/` once per
process, offline.

Without a shipped model the rule components alone are built from the pattern files; a model
built from other pattern files gets its rule components rebuilt from the current ones.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import spacy
from spacy.language import Language

from billintake.settings import Settings, get_settings

from .nlp import build_rules_pipeline, patterns_fingerprint, refresh_rules
from .scorer import FieldScorer, FieldScorerComponent

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[3] / "models" / "billintake_fields"

_LOCK = threading.Lock()
_LOADED: dict[Path, Language] = {}


def load(model_dir: Path | None = None) -> Language:
    """The pipeline from `model_dir` (default: the shipped `models/billintake_fields`), loaded
    once per process. Falls back to the rule components alone when no model is shipped."""
    path = (model_dir or DEFAULT_MODEL_DIR).resolve()
    with _LOCK:
        nlp = _LOADED.get(path)
        if nlp is None:
            nlp = _load_uncached(path)
            _LOADED[path] = nlp
        return nlp


def _load_uncached(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        log.warning("no spaCy model at %s; using the rule components only "
                    "(rebuild it with scripts/train_model.py)", path)
        return build_rules_pipeline()
    nlp = spacy.load(path)
    shipped = nlp.meta.get("billintake", {}).get("patterns_sha256")
    if shipped != patterns_fingerprint():
        log.warning("the patterns changed since the model at %s was built; using the current "
                    "patterns (rebuild it with scripts/train_model.py)", path)
        refresh_rules(nlp)
    return nlp


def load_scorer(settings: Settings | None = None, *, model_dir: Path | None = None
                ) -> FieldScorer | None:
    """The trained scorer of the shipped pipeline, or None when the pipeline has none."""
    settings = settings or get_settings()
    pipeline = load(model_dir or settings.resolved_model_dir)
    if "field_scorer" not in pipeline.pipe_names:
        return None
    component = pipeline.get_pipe("field_scorer")
    if not isinstance(component, FieldScorerComponent) or not component.scorer.models:
        return None
    return component.scorer
