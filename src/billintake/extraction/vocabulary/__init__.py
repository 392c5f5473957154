"""Every word list and normaliser of extraction, once; the other stages import them from here.

    legal_forms.py  company legal forms, as printed ("GmbH", "S.A.R.L.", "Pty. Ltd.")
    free_mail.py    e-mail and web domains that name no vendor (gmail.com, example.com)
    lookalikes.py   characters OCR confuses (O/0, I/l/1, S/5 ...) and the views each repair uses
    streets.py      street words and the endings of compound street names
    currencies.py   currency symbols and abbreviations printed beside amounts
    normalize.py    how printed words compare: `compact` (labels), `fold`, `word_key`

Normalisers that matching and accounting share with extraction (accents, umlauts, tax ids)
are in `billintake.domain.text`, since the domain imports nothing outside itself.
"""
