"""Hostile and broken XML: clear errors, nothing expanded, nothing read from disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from billintake.domain.errors import InvalidEInvoice, TooLarge, UnsupportedMediaType
from billintake.extraction.einvoice import find_einvoice_xml, parse_einvoice
from billintake.extraction.einvoice.safe_xml import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>&lol9;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>"""


def xxe(target: Path) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file://{target}">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>&secret;</cbc:ID>
</Invoice>""".encode()


def test_entity_expansion_bomb_is_refused_quickly_with_a_clear_error() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidEInvoice, match="document type declaration"):
        parse_einvoice(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0


def test_external_entity_is_refused_and_the_file_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    with pytest.raises(InvalidEInvoice) as caught:
        parse_einvoice(xxe(secret))
    assert "TOP-SECRET-VALUE" not in str(caught.value)
    assert "external file" in caught.value.message
    # the detector, used on a standalone upload, refuses it the same way
    with pytest.raises(InvalidEInvoice):
        find_einvoice_xml(xxe(secret), "application/xml")


def test_doctype_hidden_in_utf16_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    data = xxe(secret).decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    with pytest.raises(InvalidEInvoice, match="document type declaration"):
        parse_xml(data.encode("utf-16"))


def test_external_dtd_reference_is_refused() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>'
    with pytest.raises(InvalidEInvoice, match="document type declaration"):
        parse_xml(data)


def test_size_limit() -> None:
    data = b"<a>" + b"x" * 2000 + b"</a>"
    with pytest.raises(TooLarge, match="over the limit"):
        parse_xml(data, max_bytes=1000)


@pytest.mark.parametrize("data", [b"<Invoice><cbc:ID>1</Invoice>", b"not xml at all", b"   "])
def test_unparsable_xml_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(InvalidEInvoice, match=r"not well-formed|empty"):
        parse_einvoice(data)


def test_xml_that_is_no_einvoice_says_what_it_is() -> None:
    with pytest.raises(UnsupportedMediaType, match="<rss>"):
        find_einvoice_xml(b"<rss version='2.0'><channel/></rss>", "application/xml")
    with pytest.raises(InvalidEInvoice, match="not an e-invoice"):
        parse_einvoice(b"<rss version='2.0'><channel/></rss>")


def test_a_look_alike_root_in_another_namespace_is_not_taken_for_ubl() -> None:
    with pytest.raises(UnsupportedMediaType):
        find_einvoice_xml(b"<Invoice xmlns='urn:example:not-ubl'><ID>1</ID></Invoice>",
                          "application/xml")
