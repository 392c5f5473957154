"""What the spaCy rule components find in a text, as plain tuples for assertions."""

from __future__ import annotations

from spacy.language import Language

from billintake.extraction import nlp


def found(rules: Language, text: str) -> list[tuple[str, str, str]]:
    """The entities in `text`: (label, entity id, text)."""
    return [(e.label_, e.ent_id_, e.text) for e in nlp.entities(text, rules)]


def field_labels(rules: Language, text: str) -> list[tuple[str, set[str]]]:
    """The field labels the `field_labels` component finds: (text, the fields they name)."""
    doc = rules(text)
    return [(span.text, {lab.field for lab in span._.labels})
            for span in doc.spans["field_labels"]]
