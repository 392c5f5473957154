"""Fixtures of the extraction tests."""

from __future__ import annotations

import pytest
from spacy.language import Language

from billintake.extraction import nlp


@pytest.fixture(scope="session")
def rules() -> Language:
    """The rule components of the spaCy pipeline, without the shipped model."""
    return nlp.build_rules_pipeline()
