"""E-mail and web domains that say nothing about who sent a bill.

A free-mail address (gmail.com, web.de) is anyone's: vendor matching does not match by its
domain, and vendor extraction does not compare a name with it. Extraction compares names with
a domain's name part ("acme" of billing@acme.de), so it also skips the name parts here, and
the domains bills print that are no one's business (example.com, a PDF library's site).
"""

from __future__ import annotations

FREE_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com",
    "hotmail.com", "hotmail.fr", "hotmail.co.uk", "outlook.com", "outlook.de", "live.com",
    "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com",
    "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de", "orange.fr", "free.fr",
    "laposte.net", "wanadoo.fr", "libero.it", "mail.com", "zoho.com", "yandex.ru", "mail.ru",
    "qq.com", "163.com", "ziggo.nl", "kpnmail.nl",
})
# Domains printed on bills that belong to no vendor: placeholders and document generators.
NO_VENDOR_DOMAINS: frozenset[str] = frozenset({"example.com", "tcpdf.org"})
# The name part of each ("gmail" of gmail.com), as vendor extraction compares domains.
NO_VENDOR_NAMES: frozenset[str] = frozenset(
    domain.split(".")[0] for domain in FREE_MAIL_DOMAINS | NO_VENDOR_DOMAINS)
