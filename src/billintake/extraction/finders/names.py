"""Vendor name candidates: the name-like lines of the first page (and a line joined with the
next one of its block, for names printed on two lines; and the name after a short label on its
line, "OWNED BY: CHEF LEE SDN BHD"), with what marks a shop's or company's name: where it ends
(a legal form), whether it starts with what only ends a name ("CO. (M) SDN BHD"), a company
number beside or below it, its rank among the name-like lines from the top."""

from __future__ import annotations

import re

from ..candidate import Candidate
from ..page import PageModel
from ..vendor import address_words, clean_name, continues_above, goes_on
from ..vocabulary.business_words import BUSINESS_WORDS

FEATURES = ("name_length", "name_words", "letter_share", "upper_share", "digit_share_name",
            "legal_form", "two_lines", "three_lines", "unfinished", "next_continues",
            "name_repeats", "line_index_rel", "has_at",
            "address_like", "goes_on", "continues_above", "title_line",
            "r_top_zone", "r_font_rel", "r_legal_form", "r_domain_match",
            "r_address_below", "r_block_first", "r_registration_near", "r_vendor_label",
            "r_repeats", "r_in_customer_block", "r_sentence_like", "r_customer_label_near",
            "r_price_on_row", "r_ocr_doubt", "r_tiny", "r_wrapped_part", "r_vendor_section",
            "r_buyer_section", "ends_legal", "starts_legal", "company_number_near",
            "name_rank", "after_label", "above_name_like", "lines_repeat", "rival_legal",
            "tail_complete")
_LEGAL = re.compile(r"\b(gmbh|ag|kg|mbh|ug|sarl|sas|sa|eurl|bv|nv|ltd|limited|llc|inc|corp|"
                    r"plc|llp|pvt|pty|spa|srl|oy|ab|aps|bhd|sdn|s/b|enterprise|trading|co)\b\.?",
                    re.I)
_ADDRESS = re.compile(r"\d{4,5}\s+\w|straße|strasse|str\.|street|road|rue|avenue|jalan|jln|"
                      r"\bno\.?\s*\d|taman|weg\b|platz", re.I)
_ENDS_LEGAL = re.compile(r"\b(sdn\.?\s*bhd|bhd|s/b|sb|gmbh|ag|kg|sarl|sas|sa|bv|ltd|limited|llc|"
                         r"inc|corp|plc|pty|spa|srl|enterprise|trading|co)\b\.?\s*(\(.*\))?$",
                         re.I)
_STARTS_LEGAL = re.compile(r"^(co\b\.?|\(m\)|sdn\b|bhd\b|s/b\b|ltd\b|&|and\b|gmbh\b|inc\b|"
                           r"enterprise\b|trading\b)", re.I)
_STARTS_BRACKETED = re.compile(r"^\s*\([^\W\d_][^()\d:]*\)")  # words, no number or label
_COMPANY_NUMBER = re.compile(r"\(?\b\d{4,8}\s*-?\s*[A-Z]\b\)?|\bco\.?\s*(no|reg)\b|"
                             r"\bcompany\s*(no|reg)|\broc\b|\breg\.?\s*no", re.I)
_LABEL_BEFORE = re.compile(r"^([^:\d]{2,24}):\s*(?=\S)")
MAX_LINES = 60
RIVAL_LINES = 8  # how many lines from the top another company name is looked for


def candidates(page: PageModel) -> list[Candidate]:
    first = [i for i, line in enumerate(page.lines) if line.page == 1][:MAX_LINES]
    texts: list[tuple[str, list[int]]] = []
    labelled: set[str] = set()
    for n, i in enumerate(first):
        name = clean_name(page.lines[i].text)
        if _name_like(name):
            texts.append((name, [i]))
        label = _LABEL_BEFORE.match(page.lines[i].text)
        if label is not None and len(label.group(1).split()) <= 3:
            rest = clean_name(page.lines[i].text[label.end():])
            if _name_like(rest) and rest != name:
                texts.append((rest, [i]))
                labelled.add(rest)
        block = page.blocks[page.block_of[i]]
        run = [i]  # this line and the next ones of its block, one row apart: a wrapped name
        for nxt in first[n + 1:n + 3]:
            if nxt not in block.lines or page.lines[nxt].row != page.lines[run[-1]].row + 1:
                break
            run.append(nxt)
            joined = clean_name(" ".join(page.lines[j].text for j in run))
            if _name_like(joined) and len(joined) <= 70:
                texts.append((joined, list(run)))
    # a name cut inside a parenthesis or after "&" is no name where the lines below finish it
    finished = {lines[0] for t, lines in texts if len(lines) > 1 and not _unfinished(t)}
    texts = [(t, lines) for t, lines in texts if not (_unfinished(t) and lines[0] in finished)]
    # nor is the rest of a name that opens with what only ends one ("CO. (M) SDN BHD",
    # "ALAM) SDN BHD") where a name begun on a line above takes it in
    covered = {i for _, lines in texts for i in lines[1:]}
    texts = [(t, lines) for t, lines in texts if not (_a_rest(t) and lines[0] in covered)]
    # nor a text with a label in it ("OWN BY: CHEF LEE SDN BHD", "DIMILIKI: ...") or a label
    # line ("Owned By:"): the name is what follows the label, proposed by itself
    texts = [(t, lines) for t, lines in texts if t in labelled or not any(
        _label_in(clean_name(page.lines[i].text)) or page.lines[i].text.rstrip().endswith(":")
        for i in lines)]
    # nor a name cut short where the next line of its block only goes on with it ("AIK HUAT
    # HARDWARE" over "ENTERPRISE (SETIA", "THE COFFEE BEAN" over "& TEA LEAF (M) SDN. BHD."):
    # the lines joined are proposed. (On the real sets none of these two kinds was the name.)
    joined = {lines[0] for _, lines in texts if len(lines) > 1}
    texts = [(t, lines) for t, lines in texts
             if not (lines[0] in joined and _next_is_rest(page, first, lines[-1]))]
    titles = {m.line for m in page.marks if m.kind == "document_type"}
    keys = [re.sub(r"\W", "", t.lower()) for t, _ in texts]
    all_text = re.sub(r"\W", "", page.doc.text.lower())
    name_lines = sorted({lines[0] for _, lines in texts})
    # the lines of the top that print a company name with a legal form ("... SDN BHD")
    legal_lines = {i for t, lines in texts if _ENDS_LEGAL.search(t) and len(lines) == 1
                   and first.index(lines[0]) < RIVAL_LINES for i in lines}
    out: list[Candidate] = []
    for (name, lines), key in zip(texts, keys, strict=True):
        line = page.lines[lines[0]]
        position = first.index(lines[-1])
        after = page.lines[first[position + 1]].text if position + 1 < len(first) else ""
        above = first.index(lines[0]) - 1
        words = [w for i in lines for w in page.lines[i].words]
        letters = sum(c.isalpha() for c in name)
        f = {
            "name_length": float(len(name)),
            "name_words": float(len(name.split())),
            "letter_share": letters / max(1, len(name)),
            "upper_share": sum(c.isupper() for c in name) / max(1, letters),
            "digit_share_name": sum(c.isdigit() for c in name) / max(1, len(name)),
            "legal_form": float(bool(_LEGAL.search(name))),
            "two_lines": float(len(lines) > 1),
            "three_lines": float(len(lines) > 2),
            "unfinished": float(_unfinished(name)),
            "next_continues": float(_continues(page, first, lines[-1])),
            "name_repeats": float(min(5, all_text.count(key) - 1)) if len(key) >= 4 else 0.0,
            "line_index_rel": first.index(lines[0]) / max(1, len(first) - 1),
            "has_at": float("@" in name or "www" in name.lower()),
            "address_like": float(bool(_ADDRESS.search(name)) or address_words(name)),
            # a name over two lines: the second goes on from the first ("POPULAR BOOK" / "CO.
            # (M) SDN BHD"); one line that goes on from the line above; a title line in it
            "goes_on": float(len(lines) > 1 and goes_on(
                clean_name(page.lines[lines[0]].text),
                clean_name(" ".join(page.lines[i].text for i in lines[1:])))),
            "continues_above": float(continues_above(page.layout, line, name)),
            "title_line": float(any(i in titles for i in lines)),
            "ends_legal": float(bool(_ENDS_LEGAL.search(name))),
            "starts_legal": float(bool(_STARTS_LEGAL.match(name))),
            "company_number_near": float(any(
                _COMPANY_NUMBER.search(t) is not None
                for t in (*(page.lines[i].text for i in lines), after))),
            "name_rank": float(min(10, name_lines.index(lines[0]))),
            "after_label": float(name in labelled),
            # a logo word over the name it is part of ("LAVENDER" / "LAVENDER CONFECTIONERY"):
            # joined lines that repeat themselves are two prints, not one wrapped name
            "lines_repeat": float(len(lines) > 1 and _repeats(
                [clean_name(page.lines[i].text) for i in lines])),
            # lines joined whose last is a whole company name by itself: two names, or one
            # ("TAN CHAY YEE" / "ABC HO TRADING"; "LIAN CHI PU TIAN" / "RESTAURANT SDN BHD")
            "tail_complete": float(len(lines) > 1 and _complete(
                clean_name(page.lines[lines[-1]].text))),
            # another line of the top prints a company name with a legal form
            "rival_legal": float(bool(legal_lines - set(lines))),
            "above_name_like": float(above >= 0 and _name_like(
                clean_name(page.lines[first[above]].text))),
        }
        x0 = min(w.x0 for w in words)
        top = min(w.top for w in words)
        x1 = max(w.x1 for w in words)
        bottom = max(w.bottom for w in words)
        out.append(Candidate(field="vendor_name", value=name, text=name, page=line.page,
                             bbox=(x0, top, x1, bottom), source=line.source, features=f,
                             line=lines[0]))
    return out


def _unfinished(name: str) -> bool:
    """A name cut at a line's end: "HARDWARE &", "ENTERPRISE (SETIA", "TRADING -"."""
    return name.rstrip().endswith(("&", "(", "-", ",", "/", " AND", " DAN")) or \
        name.count("(") > name.count(")")


def _continues(page: PageModel, first: list[int], last: int) -> bool:
    """The next line of the block looks like more of the same name (letters, no digits)."""
    position = first.index(last)
    if position + 1 >= len(first):
        return False
    nxt = first[position + 1]
    if page.block_of[nxt] != page.block_of[last]:
        return False
    text = page.lines[nxt].text
    return _name_like(text) and not any(c.isdigit() for c in text)


def _label_in(name: str) -> bool:
    """The text opens with a short label and its colon ("OWN BY: ...")."""
    label = _LABEL_BEFORE.match(name)
    return label is not None and len(label.group(1).split()) <= 3


def _next_is_rest(page: PageModel, first: list[int], last: int) -> bool:
    """The next line of the block opens with what only goes on with a name (`_a_rest`), and
    is no company number line ("(CO. REG 860671-D)")."""
    position = first.index(last)
    if position + 1 >= len(first):
        return False
    nxt = first[position + 1]
    text = page.lines[nxt].text
    return page.block_of[nxt] == page.block_of[last] and _a_rest(clean_name(text)) and \
        _COMPANY_NUMBER.search(text) is None


def _name_like(name: str) -> bool:
    letters = sum(c.isalpha() for c in name)
    return letters >= 3 and letters / max(1, len(name)) >= 0.5 and len(name) <= 80


def _repeats(parts: list[str]) -> bool:
    """A later line repeats a word (of 3 letters or more) of an earlier one."""
    seen: set[str] = set()
    for part in parts:
        words = {w for w in re.findall(r"[^\W\d_]{3,}", part.upper())}
        if words & seen:
            return True
        seen |= words
    return False


def _complete(name: str) -> bool:
    """A whole company name: it ends with a legal form, does not start with one, and closes
    no parenthesis it did not open ("ALAM) SDN BHD" ends a name begun above)."""
    return bool(_ENDS_LEGAL.search(name)) and not _STARTS_LEGAL.match(name) and \
        name.count(")") <= name.count("(")


def _a_rest(name: str) -> bool:
    """Text that only goes on with a name: it opens with a legal form or a place in brackets
    ("(SEMENYIH) SDN BHD", "(JALAN KLANG LAMA)"), closes a parenthesis it did not open, or is
    made of nothing but words of trade and a legal form ("RESTAURANT SDN BHD": no name says
    only what it is)."""
    return bool(_STARTS_LEGAL.match(name) or _STARTS_BRACKETED.match(name)) or \
        name.count(")") > name.count("(") or _generic(name)


def _generic(name: str) -> bool:
    """Only words of trade, ending with a legal form: "RESTAURANT SDN BHD"."""
    tail = _ENDS_LEGAL.search(name)
    if tail is None:
        return False
    words = re.findall(r"[^\W\d_]+", name[:tail.start()].upper())
    return bool(words) and all(w in BUSINESS_WORDS for w in words)
