"""The vendor block on till slips: centred headers, footers, towns and payment words."""

from __future__ import annotations

from billintake.extraction.extractor import Extractor
from billintake.extraction.vendor import _LEGAL_RE, clean_name
from billintake.reading.document import Page, ReadDocument, Word

from ._bills import block, extract, row


def _slip_body(y: float) -> list:  # type: ignore[type-arg]
    return [*row(y, (60, "TOTAL"), (250, "23.50")), *row(y + 14, (60, "CASH"), (250, "50.00")),
            *row(y + 28, (60, "CHANGE"), (250, "26.50"))]


def test_a_name_only_in_the_footer_with_its_centred_address_is_the_vendor() -> None:
    items = [*row(40, (60, "HEX KEY SET"), (250, "11.00")),
             *row(54, (60, "WOOD GLUE"), (250, "12.50"))]
    footer = [*block(110, 200, ["THANK YOU. PLEASE COME AGAIN"]),
              *block(95, 230, ["KESTREL HOCK HARDWARE SDN BHD"]),
              *block(128, 243, ["NO 12, JALAN AMPANG,", "50450 KUALA LUMPUR"])]
    bill = extract([*block(120, 20, ["TAX INVOICE", "12/03/2019 10:22"]), *items,
                    *_slip_body(90), *footer])
    assert bill.value("vendor_name") == "KESTREL HOCK HARDWARE SDN BHD"


def test_a_town_with_its_postcode_and_payment_words_are_not_the_vendor() -> None:
    header = block(100, 20, ["Mumbai - 400001"], size=14)
    lines = [*row(60, (60, "Masala Dosa"), (250, "23.50")),
             *row(74, (60, "Grand Total"), (250, "23.50")), *row(88, (60, "PIN"), (250, "23.50")),
             *block(100, 300, ["Shree Balaji Sweets"]),
             *block(100, 313, ["12, MG Road, Fort"])]
    bill = extract([*header, *lines])
    assert bill.value("vendor_name") == "Shree Balaji Sweets"


def test_malaysian_and_singaporean_company_forms_are_legal_forms() -> None:
    for name in ("GOLDEN SENG TRADING SDN BHD", "Lian Huat Pte. Ltd.", "AIK CHUAN BERHAD"):
        assert _LEGAL_RE.search(name), name
    assert clean_name("HENG SENG MINI MARKET SDN BHD") == "HENG SENG MINI MARKET SDN BHD"


def test_a_company_number_in_brackets_ends_the_name_even_misread() -> None:
    assert clean_name("GARDENIA BAKERIES(KL)SDN BHD(I39386X)") == "GARDENIA BAKERIES(KL)SDN BHD"
    assert clean_name("99 SPEED MART S/B (519537-X)") == "99 SPEED MART S/B"
    assert clean_name("MR. D.I.Y. (KUCHAI) SDN BHD") == "MR. D.I.Y. (KUCHAI) SDN BHD"
    # the label of a registration number cut off with its number ends the name too
    assert clean_name("MR. D.I.Y. (M) SDN BHD (CO.REG") == "MR. D.I.Y. (M) SDN BHD"


def test_a_stamp_beside_the_name_is_not_part_of_it() -> None:
    assert clean_name("YONG CEN ENTERPRISE POSTED") == "YONG CEN ENTERPRISE"
    assert clean_name("ACME SUPPLIES LTD PAID") == "ACME SUPPLIES LTD"
    assert clean_name("Paid Media Ltd") == "Paid Media Ltd"
    assert clean_name("POSTED") == "POSTED"


def test_a_tills_counter_before_the_name_is_not_part_of_it() -> None:
    assert clean_name("#000002 BAIFU (M) SDN BHD") == "BAIFU (M) SDN BHD"
    assert clean_name("#1 CAFE") == "#1 CAFE"  # a name that is a number sign and a word


def test_a_number_before_a_legal_form_is_part_of_the_name() -> None:
    assert clean_name("ZEN AND COFFEE 28 S/B") == "ZEN AND COFFEE 28 S/B"
    assert clean_name("OYO 4189 Resort Hotel") == "OYO"


def test_zeros_read_between_capitals_in_a_word_are_letters() -> None:
    assert clean_name("YONG S00N FATT S/B") == "YONG SOON FATT S/B"
    assert clean_name("H2O SHOP") == "H2O SHOP"


def _ocr_slip(lines: list[tuple[str, float, float]]) -> ReadDocument:
    """OCR'd words: one line per (text, font size, confidence), stacked from the top."""
    words, y = [], 20.0
    for text, size, confidence in lines:
        x = 20.0
        for piece in text.split():
            words.append(Word(text=piece, x0=x, x1=x + 0.6 * size * len(piece), top=y,
                              bottom=y + size, source="ocr", confidence=confidence,
                              font_size=size))
            x += 0.6 * size * (len(piece) + 1)
        y += size * 1.4
    page = Page(number=1, width=240, height=max(400.0, y + 20), words=words, source="ocr")
    return ReadDocument(media_type="image/jpeg", pages=[page])


def test_a_logo_smear_and_ocr_specks_do_not_make_the_vendor() -> None:
    extractor = Extractor(use_model=False)
    slip = [("OQ", 60, 0.4), ("recreates", 10, 0.15), ("GOLDEN MART", 14, 0.95),
            ("12 Oak Ave", 9, 0.95), ("Dover, DE 19901", 9, 0.95), ("04/10/19 16:04", 9, 0.95),
            ("TOTAL 12.50", 9, 0.95)]
    bill = extractor.extract_document(_ocr_slip(slip))
    assert bill.value("vendor_name") == "GOLDEN MART"
    specks = [("recreates GOLDEN MART", 14, 0.95), *slip[3:]]
    specks_doc = _ocr_slip(specks)
    first = specks_doc.pages[0].words[0]
    specks_doc.pages[0].words[0] = first.model_copy(update={"confidence": 0.15})
    assert extractor.extract_document(specks_doc).value("vendor_name") == "GOLDEN MART"


def test_a_town_whose_postcode_stands_apart_on_its_row_is_not_the_vendor() -> None:
    lines = [*row(20, (100, "Mumbai"), (160, "-"), (180, "400001")),
             *row(60, (60, "Masala Dosa"), (250, "23.50")),
             *row(74, (60, "Grand Total"), (250, "23.50")),
             *block(100, 300, ["Shree Balaji Sweets"]), *block(100, 313, ["12, MG Road, Fort"])]
    assert extract(lines).value("vendor_name") == "Shree Balaji Sweets"


def test_slip_registration_lines_are_registration_signs_not_names() -> None:
    from billintake.extraction.vendor import _REGISTRATION_RE, _name_like

    for line in ("(402537-M)", "UEN: 201469404K", "GST REG NO : 001234567890",
                 "FSSAI Lic No. 11518014000123", "St.Nr. 12/345/67890"):
        assert _REGISTRATION_RE.search(line), line
        assert not _name_like(line), line
    assert _name_like("SIN HOCK TRADING SDN BHD")


def test_a_till_word_in_a_kind_of_shop_does_not_refuse_the_name() -> None:
    from billintake.extraction.vendor import _name_like

    assert _name_like("SLF CASH & CARRY") and _name_like("Metro Cash and Carry")
    assert not _name_like("CASH SALES") and not _name_like("CASH")


def test_a_word_of_trade_ocr_split_or_ran_together_is_mended() -> None:
    from billintake.extraction.vendor import _name_like, clean_name

    assert clean_name("TEO HENG STATION ER Y & BOOKS") == "TEO HENG STATIONERY & BOOKS"
    assert clean_name("SANYOSTATIONERYSHOP") == "SANYO STATIONERY SHOP"
    assert clean_name("TRAVELLERS") == "TRAVELLERS"  # a word that only begins with one
    assert clean_name("Station Er Y") == "Station Er Y"  # only capitals are mended
    assert not _name_like("NO.31G833G,JALANSETIAINDAH X,U13/X")  # a house number opens it


def test_a_house_number_line_is_no_name_whatever_legal_form_it_seems_to_end_with() -> None:
    from billintake.extraction.vendor import _name_like

    assert not _name_like("NO.59 JALAN PERM AS")  # PERMAS, split: no Norwegian "AS"
    assert _name_like("No 1 Pizza Ltd") and _name_like("99 SPEED MART S/B")


def test_a_legal_form_misread_by_one_look_alike_letter_is_set_right() -> None:
    assert clean_name("ACME TRADING LTO") == "ACME TRADING LTD"
    assert clean_name("SIN HOCK SDN BH0") == "SIN HOCK SDN BHD"
    assert clean_name("ROYAL SILK SARI") == "ROYAL SILK SARI"  # a word, not a misread form
    assert clean_name("Acme Lto") == "Acme Lto"
    # and the first word of a two-word form before its second ("SON BHD" is SDN BHD)
    assert clean_name("MOONLIGHT CAKE HOUSE SON DHD") == "MOONLIGHT CAKE HOUSE SDN BHD"
    assert clean_name("GOLDEN SUN BHD") == "GOLDEN SUN BHD"  # two look-alikes off: a word


def test_ocr_damage_to_a_title_or_a_registration_number_is_no_part_of_the_name() -> None:
    assert clean_name("SIMPLIFIED TAXINVOICE") == ""  # the title, its space lost
    assert clean_name("TAXINVOICE RAPID RAIL SDN BHD") == "RAPID RAIL SDN BHD"
    # a registration number whose digits were read as look-alike letters
    assert clean_name("MOONLIGHT CAKE HOUSE SDN BHD BOZ7Z5-U") == "MOONLIGHT CAKE HOUSE SDN BHD"
    assert clean_name("KEDAI RUNCIT (SO1234-K)") == "KEDAI RUNCIT"
    assert clean_name("SEVEN STARS BOSS-A") == "SEVEN STARS BOSS-A"  # letters only: a word


def test_a_word_split_off_the_name_and_a_two_letter_fragment_are_no_vendor() -> None:
    lines = [*row(20, (60, "CAVE DES HALLES"), (168, "LYON")),
             *block(60, 34, ["12 rue de la Paix", "75002 Paris"]),
             *row(80, (60, "Th"), (250, "4.00")), *row(94, (60, "TOTAL TTC"), (250, "4.00"))]
    bill = extract(lines)
    assert bill.value("vendor_name") == "CAVE DES HALLES LYON"
    from billintake.extraction.extractor import _VisualExtraction
    from billintake.extraction.vendor import vendor_candidates
    from billintake.reading.reader import read

    from ._bills import pdf_of

    names = [c.value for c in vendor_candidates(_VisualExtraction(
        read(pdf_of(lines)), None).ctx)]
    assert "LYON" not in names and "Th" not in names[:1]


def test_a_compound_street_line_is_never_the_vendor() -> None:
    """A German slip whose name is under its logo at the foot: "Hauptstr." (its house number
    read apart) or "Bahnhofstraße" above it is no vendor."""
    extractor = Extractor(use_model=False)
    for street in ("Hauptstr.", "Bahnhofstraße", "Kerkstraat", "Lindenallee 4"):
        slip = [(street, 14, 0.95), ("10115 Berlin", 9, 0.95), ("12.03.2024 10:22", 9, 0.95),
                ("SUMME 12,50", 9, 0.95), ("Bäckerei Sonnenschein", 9, 0.95)]
        got = extractor.extract_document(_ocr_slip(slip)).value("vendor_name")
        assert got != street and (got is None or street.split()[0] not in got), (street, got)


def test_indian_and_malaysian_street_fragments_are_never_the_vendor() -> None:
    extractor = Extractor(use_model=False)
    for street in ("Anna Salai", "NO 41, JALAN AMPANG,"):
        slip = [(street, 14, 0.95), ("Chennai - 600002", 9, 0.95), ("11/02/2020", 9, 0.95),
                ("Grand Total 412.00", 9, 0.95), ("Saravana Bhavan", 9, 0.95)]
        got = extractor.extract_document(_ocr_slip(slip)).value("vendor_name")
        assert got is None or street.split()[0].title() not in got.title(), (street, got)


def test_a_name_with_a_square_in_it_stays_a_name() -> None:
    from billintake.extraction.vendor import _name_like

    assert _name_like("Café am Marktplatz")
    assert _name_like("Strasser Bau")


def test_a_closing_courtesy_line_is_not_the_vendor() -> None:
    from billintake.extraction.vendor import _name_like

    assert not _name_like("PLEASE COME AGAIN")
    assert not _name_like("Auf Wiedersehen")
    assert _name_like("Crescent Gas Company")


def test_a_place_beginning_with_a_legal_forms_letters_is_no_company() -> None:
    from billintake.extraction.extractor import _VisualExtraction
    from billintake.extraction.vendor import vendor_candidates

    slip = [("SIMPLIFIED TAX INVOICE", 10, 0.95), ("SIN THYE & COMFANY", 12, 0.95),
            ("REG. NO:00168397-H", 9, 0.95), ("NO.54, BATU 5,JALAN IPOH,", 9, 0.95),
            ("KG.BATU,", 12, 0.95), ("51200 KUALA LUMPUR", 9, 0.95)]
    context = _VisualExtraction(_ocr_slip(slip)).ctx
    found = {c.value: c.features for c in vendor_candidates(context)}
    assert found["KG.BATU"]["legal_form"] == 0.0
    assert Extractor(use_model=False).extract_document(_ocr_slip(slip)).value(
        "vendor_name") == "SIN THYE & COMPANY"


def test_a_name_wrapped_onto_a_registration_label_ends_before_it() -> None:
    slip = [("MR. D.I.Y. (M) SDN BHD", 12, 0.95), ("(CO.REG", 9, 0.95),
            ("LOT 1851-A & 1851-B, JALAN PB 6,", 9, 0.95), ("-TAX INVOICE-", 9, 0.95),
            ("TOTAL RM 31.20", 9, 0.95)]
    bill = Extractor(use_model=False).extract_document(_ocr_slip(slip))
    assert bill.value("vendor_name") == "MR. D.I.Y. (M) SDN BHD"


def test_a_word_of_trade_misread_by_one_letter_is_set_right() -> None:
    assert clean_name("SIN THYE & COMFANY") == "SIN THYE & COMPANY"
    assert clean_name("AIK HUAT HARDHARE ENTERPRISE") == "AIK HUAT HARDWARE ENTERPRISE"
    # a word that is a word of trade, one not in capitals, a short one: as printed
    assert clean_name("Sin Thye & Comfany") == "Sin Thye & Comfany"
    assert clean_name("ROYAL SILK SARI") == "ROYAL SILK SARI"
    assert clean_name("TRAVEL & TRAVAIL") == "TRAVEL & TRAVAIL"
    assert clean_name("TEO HENG STATIONERX") == "TEO HENG STATIONERX"  # STATIONERS or -Y


def test_ocr_spaces_inside_a_bracket_or_a_closing_legal_form_are_closed() -> None:
    assert clean_name("Anzel Advertising (M ) Sdn bh d") == "Anzel Advertising (M) Sdn bhd"
    assert clean_name("ACME L TD.") == "ACME LTD."
    assert clean_name("TRENDYMAX (M) SDN. BHD.") == "TRENDYMAX (M) SDN. BHD."


def test_a_malay_housing_estate_or_town_line_is_an_address_not_a_name() -> None:
    from billintake.extraction.vendor import _name_like

    assert not _name_like("Laman Rimbunan Kepong")
    assert not _name_like("TAMAN P.RAMLEE SETAPAK")
    assert _name_like("YAM FRESH")


def test_a_line_opening_with_a_word_of_trade_goes_on_with_the_name_above() -> None:
    from billintake.extraction.vendor import goes_on

    assert goes_on("TSH PO WER HARDWARE", "TRADING")
    assert goes_on("AIK HUAT HARDWARE", "ENTERPRISE SETIA")
    assert not goes_on("ACME SDN BHD", "TRADING")  # a name complete with its legal form
    assert not goes_on("TSH POWER", "Trading hours 9-5")
    slip = [("TSH PO WER HARDWARE", 14, 0.95), ("TRADING", 14, 0.95), ("002458685-T", 9, 0.95),
            ("13-1, Jalan PJU 5/10,", 9, 0.95), ("TAX INVOICE", 9, 0.95)]
    bill = Extractor(use_model=False).extract_document(_ocr_slip(slip))
    assert bill.value("vendor_name") == "TSH PO WER HARDWARE TRADING"


def test_a_label_whose_colon_stands_apart_is_no_name() -> None:
    from billintake.extraction.extractor import _VisualExtraction
    from billintake.extraction.vendor import vendor_candidates

    slip = [("SANYU STATIONERY SHOP", 14, 0.95), ("40170 SETIA ALAM", 9, 0.95),
            ("TAX INVOICE", 9, 0.95), ("Owned By :", 10, 0.95),
            ("SANYUSUPPLYSDNBHD(1135772-K)", 10, 0.95)]
    doc = _ocr_slip(slip)
    words = doc.pages[0].words
    at = next(i for i, w in enumerate(words) if w.text == ":")
    words[at] = words[at].model_copy(update={"x0": 200.0, "x1": 204.0})  # far to the right
    found = [c.value for c in vendor_candidates(_VisualExtraction(doc).ctx)]
    assert "Owned By" not in found


def test_address_words_of_several_countries_mark_a_line_as_an_address() -> None:
    """The names finder and the vendor rules read one street vocabulary: a Malaysian
    section ("SEKSYEN U5") is an address, as a street is; a surname is not."""
    from billintake.extraction.vendor import address_words

    assert address_words("SEKSYEN U5")
    assert address_words("Lot 12, Jalan Besar")
    assert address_words("12 Main Street")
    assert not address_words("S&Y STATIONERY")
    assert not address_words("Van Dijk Consultancy")
