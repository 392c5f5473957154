"""The shipped spaCy pipeline: the rule components (`nlp.py`), loaded from `models/` once per
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

from .nlp import build_rules_pipeline, patterns_fingerprint, refresh_rules

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
                    "(rebuild it with scripts/build_pipeline.py)", path)
        return build_rules_pipeline()
    nlp = spacy.load(path)
    shipped = nlp.meta.get("billintake", {}).get("patterns_sha256")
    if shipped != patterns_fingerprint():
        log.warning("the patterns changed since the model at %s was built; using the current "
                    "patterns (rebuild it with scripts/build_pipeline.py)", path)
        refresh_rules(nlp)
    return nlp
