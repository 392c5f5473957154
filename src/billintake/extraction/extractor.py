"""The extraction stage: bytes → ExtractedBill.

The e-invoice XML when the bill carries one (exact, cross-checked with the printed page;
`einvoice.extract_einvoice_first`), else the read pages: label → value candidates, the
vendor block, the items table, then reconciliation chooses the amounts and sets confidences;
the trained ranker (`decide.py`), when shipped, decides over every candidate of the fields it
beat the rules on, and calibrates every confidence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from billintake.domain.currency import MINOR_UNITS
from billintake.domain.errors import UnreadableDocument
from billintake.domain.extracted import (
    Evidence,
    ExtractedBill,
    ExtractedLineItem,
    FieldValue,
    lines_sum,
)
from billintake.reading.document import ReadDocument, rounded_box
from billintake.settings import Settings

from . import finders, nlp
from .decide import decide, rules_signals
from .document_type import document_type
from .finders.context import document_features
from .header import (
    Candidate,
    DocContext,
    header_candidates,
    unlabelled_amounts,
    unlabelled_dates,
)
from .labels import PAYMENT_LABEL
from .layout import Layout
from .line_items import extract_line_items
from .memory import (
    AMOUNTS,
    LINES_LEFT_OUT,
    MemoryBook,
    MemoryModel,
    Recognition,
    decide_with_memory,
    lines_contradict,
    load_memory_model,
    remembered_dayfirst,
)
from .memory import recognise as recognise_vendor
from .model import load
from .ocr_repair import repair_identifier, repair_tax_id
from .page import PageModel, value_box
from .parsing import (
    currency_of_text,
    detect_currency,
)
from .payment import with_payment
from .ranker import Ranker, load_shipped
from .reconcile import AMOUNT_ROLES, LineCheck, check_lines, reconcile_amounts
from .vendor import (
    vendor_address,
    vendor_candidates,
    vendor_email,
    vendor_iban,
    vendor_name_key,
)

log = logging.getLogger(__name__)

MIN_VENDOR_SCORE = 0.35
OWN_NAME_MIN = 3  # an own name's key this short matches too much to be one
OWN_NAME_SIMILARITY = 90  # how alike (rapidfuzz ratio) a candidate and an own name must be


class Extractor:
    """Extracts bills. Build once (loads the trained ranker once), call many times;
    `use_model=False`: the rules alone."""

    def __init__(self, settings: Settings | None = None, *, use_model: bool = True,
                 ranker: Ranker | None = None) -> None:
        self.settings = settings
        self.use_model = use_model
        self.ranker = ranker if ranker is not None or not use_model else load_shipped(
            None if settings is None else settings.resolved_ranker_dir)
        self.memory_model = load_memory_model() if use_model else None

    # --- entry points -----------------------------------------------------------------------

    def extract_bytes(self, data: bytes, *, companion_xml: bytes | None = None,
                      memory: MemoryBook | None = None) -> ExtractedBill:
        """Sniff, then the e-invoice XML first (beside the file, inside it, or the file
        itself), cross-checked with the printed page; else the page. `companion_xml` is an
        XML that came with the file (an email's `.xml` next to its PDF); `memory`, the
        organization's vendors and what their approved bills taught (`memory.py`)."""
        media_type = _sniff(data, self.settings)
        return self.extract_sniffed(data, media_type, companion_xml=companion_xml,
                                    memory=memory)

    def extract_sniffed(self, data: bytes, media_type: str, *,
                        companion_xml: bytes | None = None,
                        read_pages: Callable[[], ReadDocument] | None = None,
                        memory: MemoryBook | None = None) -> ExtractedBill:
        """`extract_bytes` for a file already sniffed; `read_pages` gives its read pages
        (default: read `data` when the page is needed)."""
        from .einvoice import extract_einvoice_first

        read_pages = read_pages or (lambda: _read(data, media_type, self.settings))
        read: list[ReadDocument] = []

        def visual() -> ExtractedBill:
            read.append(read_pages())
            return self.extract_document(read[0], memory=memory)

        bill = extract_einvoice_first(
            data, media_type, companion_xml=companion_xml, settings=self.settings,
            visual=visual)
        assert bill is not None  # a visual extraction was given, so there is always a bill
        return self._payment(bill, data, media_type, read[0] if read else None)

    @property
    def max_image_pixels(self) -> int:
        """The pixel limit for rendering pages: the settings', or the setting's default."""
        if self.settings is not None:
            return self.settings.max_image_pixels
        return int(Settings.model_fields["max_image_pixels"].default)

    def _payment(self, bill: ExtractedBill, data: bytes, media_type: str,
                 doc: ReadDocument | None) -> ExtractedBill:
        """The bill's payment data (`payment.py`): the pages' payment QR codes first, then
        the print; an e-invoice's from its XML (its pages are not read for it)."""
        from billintake.reading.qr import find_codes

        if doc is None:
            return with_payment(bill, None)
        max_pixels = self.max_image_pixels
        # Only the pages read for this bill: a file holding several bills (split into jobs)
        # keeps its first bill's pages first, and another bill's code is not this one's.
        return with_payment(bill, doc, find_codes(data, media_type, max_pixels=max_pixels,
                                                  pages=len(doc.pages)))

    def extract_document(self, doc: ReadDocument, memory: MemoryBook | None = None
                         ) -> ExtractedBill:
        """Visual extraction from read pages (with the vendors' memories, when given)."""
        if not doc.pages or not any(page.words for page in doc.pages):
            raise UnreadableDocument("No text could be read from this document.")
        remembering = None if memory is None or self.memory_model is None or \
            not memory.memories else (memory, self.memory_model)
        return _VisualExtraction(doc, self.ranker, memory=remembering,
                                 own_names=memory.not_vendor_names if memory else ()).run()

    def propose(self, doc: ReadDocument) -> tuple[ExtractedBill, dict[str, list[Candidate]]]:
        """The rules' bill (no ranker) and every ranked field's candidates with their
        features: the ranker's training material."""
        bill, proposed, _ = self.observe(doc)
        return bill, proposed

    def observe(self, doc: ReadDocument
                ) -> tuple[ExtractedBill, dict[str, list[Candidate]], PageModel]:
        """`propose`, with the page model the candidates stand on: what a vendor memory
        learns from (`memory.learn`)."""
        run = _VisualExtraction(doc, None, collect=True)
        return run.run(), run.proposed, run.page


class _VisualExtraction:
    """One document's extraction: builds the context once, then each field in turn."""

    def __init__(self, doc: ReadDocument, ranker: Ranker | None = None, *,
                 collect: bool = False,
                 memory: tuple[MemoryBook, MemoryModel] | None = None,
                 own_names: tuple[str, ...] = ()) -> None:
        self.doc = doc
        self.memory = memory
        self.own_keys = [key for key in map(vendor_name_key, own_names) if len(key) >= OWN_NAME_MIN]
        self.recognition: Recognition | None = None
        self.ranker = ranker
        self.collect = collect
        self.proposed: dict[str, list[Candidate]] = {}
        # a due date labelled as such but before the bill date (an early-payment or prepayment
        # date), taken for want of any other: the later checks keep it
        self.early_due: date | None = None
        self.text = doc.text
        self.page = PageModel.build(doc)  # built once: every finder reads it
        if memory is not None and self.page.dayfirst is None:  # its vendor's order, if known
            order = remembered_dayfirst(self.page, memory[0])
            if order is not None:
                self.page = PageModel.build(doc, dayfirst=order)
        self.layout = self.page.layout
        self.language = self.page.language
        self.ctx = DocContext(doc, self.layout, self.page.decimal_mark, self.page.dayfirst,
                              customer_boxes=self.page.customer_boxes,
                              label_hits=self.page.label_hits, table_rows=self.page.table_rows)
        self.warnings: list[str] = list(doc.warnings)
        self.items_sum_from_totals = False

    def run(self) -> ExtractedBill:
        candidates = header_candidates(self.ctx)
        candidates["vendor_name"] = self._not_own(vendor_candidates(self.ctx))
        bill: dict[str, Any] = {}
        items, items_warnings = self._line_items()
        self.warnings.extend(items_warnings)
        # Items whose sum was made to match a printed sum cannot vouch for that sum.
        items_sum = None if self.items_sum_from_totals else lines_sum(items)

        amounts = reconcile_amounts(candidates, unlabelled_amounts(self.ctx), items_sum,
                                    marks=self._payment_marks(), items_count=len(items))
        for role, choice in amounts.choices.items():
            bill[role] = _field(choice.candidate.value, choice.confidence, choice.candidate)
        self.warnings.extend(amounts.warnings)

        bill["bill_number"] = self._identifier(candidates.get("bill_number", []))
        po = self._identifier(candidates.get("po_number", []), exclude=bill["bill_number"])
        bill["po_number"] = po
        bill["bill_date"], bill["due_date"], bill["payment_terms"] = self._dates(candidates)
        bill["vendor_name"] = self._vendor(candidates["vendor_name"])
        bill["vendor_tax_id"] = self._tax_id(candidates.get("vendor_tax_id", []))
        bill.update(self._vendor_details(bill["vendor_name"]))
        bill["currency"] = self._currency(amounts.choices)
        reconciled = amounts.reconciled
        if self.ranker is not None or self.collect or self.memory is not None:
            rule_choices = {name: bill[name].value for name in finders.RANKED
                            if bill.get(name) is not None}
            self.proposed = finders.propose(self.page, candidates, rule_choices, items_sum)
            if "vendor_name" in self.proposed:
                self.proposed["vendor_name"] = self._not_own(self.proposed["vendor_name"])
        if self.ranker is not None:
            reconciled = self._decide(bill, items_sum, reconciled)
        if self.memory is not None:
            reconciled = self._remember(bill, items_sum, reconciled,
                                        candidates.get("shipping", []))
            if self.recognition is not None and lines_contradict(
                    {n: bill[n].value if bill.get(n) else None for n in AMOUNTS}, items_sum,
                    _extra(bill)):
                items = []
                self.warnings.append(LINES_LEFT_OUT)
        _pad_amounts(bill, bill["currency"])
        bill["document_type"] = document_type(self.layout, self.ctx.table_rows)
        _tighten_boxes(bill, self.layout)
        self.warnings.extend(check_lines([LineCheck(i.quantity, i.unit_price, i.amount)
                                          for i in items]))
        return ExtractedBill(**{k: v for k, v in bill.items() if v is not None},
                             line_items=items, warnings=_unique(self.warnings),
                             reconciled=reconciled, source="visual")

    def _decide(self, bill: dict[str, Any], items_sum: Decimal | None, reconciled: bool
                ) -> bool:
        """The trained ranker's choices over the proposed candidates (`decide.py`) replace the
        rules' for the fields it has a model of; the rules' choices of the others get
        calibrated confidences. Returns whether the bill's amounts add up (the ranker's
        amounts, when it chose them; else the rules', `reconciled`)."""
        assert self.ranker is not None
        kind = _kind(self.page)
        decision = decide(self.ranker, self.proposed, items_sum, kind, _extra(bill),
                          reconciled)
        for name, chosen in decision.fields.items():
            if chosen is None:
                bill[name] = None
                continue
            value = chosen.candidate.value
            if name == "bill_number" and chosen.candidate.source == "ocr":
                value = repair_identifier(str(value), self._ocr_tokens())
            field = _field(value, chosen.confidence, chosen.candidate)
            if field.evidence is not None:
                field.evidence.label = chosen.candidate.label
                field.evidence.why = self.ranker.why(name, chosen.candidate, chosen.runner_up)
                if chosen.runner_up is not None:
                    field.evidence.why.append(f"runner-up {chosen.runner_up.text!r}")
            bill[name] = field
        for name in (*finders.RANKED, "currency"):
            if not self.ranker.decides(name, kind) and bill.get(name) is not None:
                signals = rules_signals(self.ranker, name, bill[name].confidence,
                                        self.proposed.get(name, ()), kind, reconciled)
                bill[name].confidence = round(self.ranker.rules_confidence(
                    name, signals, kind), 3)
        self._drop_due_before_bill_date(bill)
        return decision.reconciled

    def _remember(self, bill: dict[str, Any], items_sum: Decimal | None,
                  reconciled: bool, charges: list[Candidate]) -> bool:
        """The vendor recognised, and its memory's choices (`memory.py`) replace the fields it
        knows; returns whether the amounts add up. `charges`: the amounts a shipping label
        names, which the memory's sum may count when the rules took none."""
        assert self.memory is not None
        book, model = self.memory
        self.recognition = recognise_vendor(self.page, bill, book)
        if self.recognition is None:
            return reconciled
        unused = [] if bill.get("shipping") is not None else charges
        decision = decide_with_memory(model, self.ranker, self.page, self.proposed,
                                      self.recognition, items_sum, _extra(bill),
                                      _kind(self.page), unused)
        for name, chosen in decision.fields.items():
            if chosen is None:
                bill[name] = None
                continue
            field = _field(chosen.candidate.value, chosen.confidence, chosen.candidate)
            if field.evidence is not None:
                field.evidence.why = chosen.why
            bill[name] = field
        if decision.shipping is not None:
            bill["shipping"] = _field(decision.shipping.value, bill["total"].confidence,
                                      decision.shipping)
        if decision.vendor_name is not None:
            bill["vendor_name"] = self._remembered_name(bill.get("vendor_name"),
                                                        *decision.vendor_name)
        bill["not_printed"] = [name for name in self.recognition.memory.unprinted()
                               if bill.get(name) is None]
        if bill.get("currency") is None and decision.currency:
            bill["currency"] = FieldValue[str](value=decision.currency, confidence=0.9)
        self._drop_due_before_bill_date(bill)
        return reconciled if decision.reconciled is None else decision.reconciled

    def _drop_due_before_bill_date(self, bill: dict[str, Any]) -> None:
        """A due date before the (decided) bill date is dropped, unless it is the one labelled
        as due that was taken for want of any other (`early_due`)."""
        due, issued = bill.get("due_date"), bill.get("bill_date")
        if due is not None and issued is not None and due.value < issued.value and \
                due.value != self.early_due:
            bill["due_date"] = None

    def _remembered_name(self, found: FieldValue[str] | None, name: str, confidence: float
                         ) -> FieldValue[str]:
        """The recognised vendor's name as approved, with the page line that prints it."""
        assert self.recognition is not None
        evidence = found.evidence if found is not None else None
        best = max(((fuzz.ratio(name.casefold(), line.text.casefold()), line)
                    for line in self.page.lines), key=lambda item: item[0], default=None)
        if best is not None and best[0] >= 60:
            line = best[1]
            evidence = Evidence(source=_source(line.source), page=line.page,
                                bbox=rounded_box(line.bbox), text=line.text)
        if evidence is not None:
            evidence = evidence.model_copy(update={"why": [
                f"vendor recognised by its {self.recognition.method.replace('_', ' ')}",
                f"its name as approved on {self.recognition.memory.approvals} bill(s)"]})
        return FieldValue[str](value=name, confidence=round(confidence, 3), evidence=evidence)

    def _payment_marks(self) -> dict[str, list[tuple[int, float]]]:
        """Where a tip or rounding line stands, read or not ("ROUNDING ADJ -§.62")."""
        marks: dict[str, list[tuple[int, float]]] = {}
        for match in nlp.layout_labels(self.layout, load())[PAYMENT_LABEL]:
            role = match.labels[0].field
            if role in {"tip", "rounding"} and match.start == 0:
                marks.setdefault(role, []).append((match.segment.page, match.segment.top))
        return marks

    # --- fields -----------------------------------------------------------------------------

    def _identifier(self, cands: list[Candidate], exclude: FieldValue[Any] | None = None
                    ) -> FieldValue[str] | None:
        for cand in cands:
            if exclude is not None and cand.value == exclude.value:
                continue
            if cand.features.get("in_customer_block"):
                continue
            confidence = 0.45 + 0.5 * min(1.0, cand.score)
            value = str(cand.value)
            if cand.source == "ocr":  # look-alike characters set right where clear
                value = repair_identifier(value, self._ocr_tokens())
            return _field(value, confidence, cand)
        return None

    def _ocr_tokens(self) -> list[str]:
        """Every OCR'd word, also split at ":" and "#": other readings of a number."""
        return [piece for _, word in self.doc.words if word.source == "ocr"
                for piece in re.split(r"[:#]", word.text) if piece]

    def _dates(self, candidates: dict[str, list[Candidate]]
               ) -> tuple[FieldValue[date] | None, FieldValue[date] | None, FieldValue[str] | None]:
        bill_date: FieldValue[date] | None = None
        labelled = [c for c in candidates.get("bill_date", [])
                    if not c.features.get("in_customer_block")]
        due_cands = candidates.get("due_date", [])
        due_boxes = {(c.page, c.bbox) for c in due_cands}
        labelled = [c for c in labelled if (c.page, c.bbox) not in due_boxes]
        if labelled:
            best = labelled[0]
            bill_date = _field(best.value, 0.5 + 0.45 * min(1.0, best.score), best)
        else:
            fallback = [c for c in unlabelled_dates(self.ctx) if (c.page, c.bbox) not in due_boxes]
            if fallback:
                bill_date = _field(fallback[0].value, 0.45, fallback[0])
        due: FieldValue[date] | None = None
        for cand in due_cands:
            if bill_date is None or cand.value >= bill_date.value:
                due = _field(cand.value, 0.5 + 0.45 * min(1.0, cand.score), cand)
                break
        terms = self._payment_terms()
        if due is None and terms is not None and bill_date is not None:
            days = terms[0]
            due = FieldValue[date](value=bill_date.value + timedelta(days=days), confidence=0.7,
                                   evidence=terms[1].evidence)
        if due is None and due_cands:  # labelled a due date, though before the bill date
            cand = due_cands[0]
            due = _field(cand.value, 0.5 + 0.45 * min(1.0, cand.score), cand)
            self.early_due = cand.value
        return bill_date, due, terms[1] if terms else None

    _TERMS_RE = re.compile(
        r"\b(?:net|netto|n)\s?(\d{1,3})\b|"
        r"(?:within|innerhalb(?:\s+von)?|binnen|sous|à|a|payable\s+in|zahlbar\s+in)\s+"
        r"(\d{1,3})\s*(?:days|day|tagen|tage|jours|dagen)|"
        r"(\d{1,3})\s*(?:days|tage|jours|dagen)\s*(?:net|netto|nets?)\b|"
        r"payment\s+terms?\s*:?\s*(\d{1,3})\s*days",
        re.IGNORECASE)

    def _payment_terms(self) -> tuple[int, FieldValue[str]] | None:
        for seg in self.layout.segments:
            match = self._TERMS_RE.search(seg.text)
            if not match:
                continue
            days = int(next(g for g in match.groups() if g))
            if not 0 < days <= 180:
                continue
            evidence = Evidence(source=_source(seg.source), page=seg.page,
                                bbox=rounded_box(seg.bbox), text=seg.text)
            return days, FieldValue[str](value=match.group(0), confidence=0.7, evidence=evidence)
        return None

    def _not_own(self, cands: list[Candidate]) -> list[Candidate]:
        """The vendor candidates but those naming the organization itself (the buyer)."""
        if not self.own_keys:
            return cands
        return [c for c in cands if not self._own(vendor_name_key(str(c.value)))]

    def _own(self, key: str) -> bool:
        return any(fuzz.ratio(key, own) >= OWN_NAME_SIMILARITY for own in self.own_keys)

    def _vendor(self, cands: list[Candidate]) -> FieldValue[str] | None:
        viable = [c for c in cands if not c.features.get("in_customer_block")]
        if not viable or viable[0].score < MIN_VENDOR_SCORE:
            return None
        best = viable[0]
        runner_up = viable[1].score if len(viable) > 1 else 0.0
        margin = best.score - runner_up
        confidence = 0.4 + 0.25 * min(1.0, best.score / 1.5) + 0.3 * min(1.0, margin / 0.6)
        return _field(str(best.value), confidence, best)

    def _vendor_details(self, name: FieldValue[str] | None) -> dict[str, FieldValue[str]]:
        details: dict[str, FieldValue[str]] = {}
        iban = vendor_iban(self.ctx)
        if iban is not None:
            details["vendor_iban"] = _segment_field(iban[0], 0.9, iban[1])
        email = vendor_email(self.ctx, name.value if name else None)
        if email is not None:
            details["vendor_email"] = _segment_field(email[0], 0.75, email[1])
        if name is not None and name.evidence is not None and name.evidence.bbox is not None \
                and name.evidence.page is not None:
            address = vendor_address(self.ctx, (name.evidence.page, name.evidence.bbox))
            if address is not None:
                details["vendor_address"] = _segment_field(address[0], 0.7, address[1][0])
        return details

    def _tax_id(self, cands: list[Candidate]) -> FieldValue[str] | None:
        for cand in cands:
            if cand.features.get("in_customer_block"):
                continue
            value = str(cand.value)
            if cand.source == "ocr":  # look-alikes set right where the id's format says
                value = repair_tax_id(value)
            return _field(value, 0.5 + 0.4 * min(1.0, cand.score), cand)
        return None

    def _currency(self, choices: dict[str, Any]) -> FieldValue[str] | None:
        amount_texts = [c.candidate.text for c in choices.values()]
        code, confidence = detect_currency(self.text, amount_texts=amount_texts)
        if code is None:
            return None
        evidence = None
        for choice in choices.values():
            if currency_of_text(choice.candidate.text) == code:
                cand = choice.candidate
                evidence = Evidence(source=_source(cand.source), page=cand.page, bbox=cand.bbox,
                                    text=cand.text)
                break
        return FieldValue[str](value=code, confidence=confidence, evidence=evidence)

    def _line_items(self) -> tuple[list[ExtractedLineItem], list[str]]:
        try:
            result = extract_line_items(self.doc, self.layout)
        except Exception:  # the header must come out even if the table reader trips
            log.exception("line item extraction failed")
            return [], ["line items could not be read"]
        self.items_sum_from_totals = result.sum_from_totals
        return list(result.items), list(result.warnings)


# --- helpers ----------------------------------------------------------------------------------

def _field(value: Any, confidence: float, cand: Candidate) -> FieldValue[Any]:
    evidence = Evidence(source=_source(cand.source), page=cand.page, bbox=rounded_box(cand.bbox),
                        text=cand.text, label=cand.label)
    return FieldValue[Any](value=value, confidence=round(max(0.0, min(1.0, confidence)), 3),
                           evidence=evidence)


def _tighten_boxes(bill: dict[str, Any], layout: Layout) -> None:
    """Each field's evidence box shrunk to its value's own words (`page.value_box`): the
    candidates' boxes may take in the label before the value, which the review page would
    then frame with it."""
    for name, field in bill.items():
        evidence = field.evidence if isinstance(field, FieldValue) else None
        if evidence is None or evidence.bbox is None or evidence.page is None or \
                not evidence.text or not 1 <= evidence.page <= len(layout.pages):
            continue
        box = value_box(layout, evidence.page, evidence.bbox, evidence.text)
        if box is not None and box != evidence.bbox:
            bill[name] = field.model_copy(update={
                "evidence": evidence.model_copy(update={"bbox": box})})


def _segment_field(value: str, confidence: float, seg: Any) -> FieldValue[str]:
    evidence = Evidence(source=_source(seg.source), page=seg.page, bbox=rounded_box(seg.bbox),
                        text=seg.text)
    return FieldValue[str](value=value, confidence=confidence, evidence=evidence)


def _source(source: str) -> Any:
    return "ocr" if source == "ocr" else "text"


def _pad_amounts(bill: dict[str, Any], currency: FieldValue[str] | None) -> None:
    """Amounts to at least the currency's minor units ("1939" → "1939.00")."""
    places = MINOR_UNITS.get(currency.value, 2) if currency is not None else 2
    quantum = Decimal(1).scaleb(-places)
    for role in AMOUNT_ROLES:
        field = bill.get(role)
        if field is not None and field.value.as_tuple().exponent > -places:
            field.value = Decimal(field.value).quantize(quantum)


def _kind(page: PageModel) -> str:
    """The kind of document whose models and priors apply: "ocr" or "text"."""
    return "ocr" if document_features(page)["doc_ocr"] > 0.5 else "text"


def _extra(bill: dict[str, Any]) -> Decimal:
    """What the printed shipping and discount add to subtotal + tax."""
    shipping = bill.get("shipping")
    discount = bill.get("discount")
    return (shipping.value if shipping is not None else Decimal(0)) - \
        (abs(discount.value) if discount is not None else Decimal(0))


def _unique(warnings: list[str]) -> list[str]:
    return list(dict.fromkeys(warnings))


def _sniff(data: bytes, settings: Settings | None) -> str:
    from billintake.reading.sniff import sniff

    return sniff(data, settings=settings)


def _read(data: bytes, media_type: str, settings: Settings | None) -> ReadDocument:
    from billintake.reading.reader import read

    return read(data, media_type=media_type, settings=settings)
