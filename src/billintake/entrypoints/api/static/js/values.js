// Reading what a person types (or clicks on the page) as amounts, dates and currencies,
// and exact decimal arithmetic for the live check (BigInt, never floating point).
"use strict";

const SCALE = 6n;
const FACTOR = 10n ** SCALE;

/** "1.234,56 €", "$1,234.56", "1234.5" → "1234.56"-style decimal string; null when empty;
 *  undefined when it is not an amount. */
export function parseAmount(text) {
  let s = String(text ?? "").trim();
  if (!s) return null;
  s = s.replace(/[\s\u00a0\u202f']/g, "").replace(/^[A-Z]{3}|[A-Z]{3}$/g, "").replace(/[€$£¥]/g, "");
  let negative = false;
  if (/^\(.*\)$/.test(s)) { negative = true; s = s.slice(1, -1); }
  if (s.endsWith("-")) { negative = true; s = s.slice(0, -1); }
  if (s.startsWith("-") || s.startsWith("−")) { negative = !negative; s = s.slice(1); }
  if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(s) || /^\d+,\d{1,2}$/.test(s)) {
    s = s.replace(/\./g, "").replace(",", ".");
  } else if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) {
    s = s.replace(/,/g, "");
  }
  if (!/^\d+(\.\d+)?$/.test(s)) return undefined;
  s = s.replace(/^0+(?=\d)/, "");
  return (negative ? "-" : "") + s;
}

export function toUnits(decimal) {
  const negative = decimal.startsWith("-");
  const [whole, fraction = ""] = decimal.replace("-", "").split(".");
  const units = BigInt(whole) * FACTOR + BigInt((fraction + "000000").slice(0, Number(SCALE)));
  return negative ? -units : units;
}

export function fromUnits(units, places = 2) {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / FACTOR;
  const fraction = (abs % FACTOR).toString().padStart(Number(SCALE), "0").slice(0, places);
  return `${negative ? "-" : ""}${whole}${places ? "." + fraction : ""}`;
}

const MONTHS = {
  jan: 1, january: 1, januar: 1, janvier: 1, feb: 2, february: 2, februar: 2, fevrier: 2,
  mar: 3, march: 3, maerz: 3, "märz": 3, mars: 3, apr: 4, april: 4, avril: 4, may: 5, mai: 5,
  jun: 6, june: 6, juni: 6, juin: 6, jul: 7, july: 7, juli: 7, juillet: 7, aug: 8, august: 8,
  aout: 8, "août": 8, sep: 9, sept: 9, september: 9, septembre: 9, oct: 10, october: 10,
  okt: 10, oktober: 10, octobre: 10, nov: 11, november: 11, novembre: 11, dec: 12,
  december: 12, dez: 12, dezember: 12, decembre: 12, "décembre": 12,
};

function isoDate(year, month, day) {
  if (year < 100) year += 2000;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** "2024-03-05", "05.03.2024", "5/3/2024" (day first), "5 March 2024", "March 5, 2024",
 *  "18. Mai 2025" → "YYYY-MM-DD"; null when empty; undefined when it is not a date. */
export function parseDate(text) {
  const s = String(text ?? "").trim().toLowerCase().replace(/,/g, " ").replace(/\s+/g, " ");
  if (!s) return null;
  let m = s.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  if (m) return isoDate(+m[1], +m[2], +m[3]);
  m = s.match(/^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$/);
  if (m) return +m[2] > 12 && +m[1] <= 12 ? isoDate(+m[3], +m[1], +m[2]) : isoDate(+m[3], +m[2], +m[1]);
  m = s.match(/^(\d{1,2})\.? ([a-zäéû]+)\.? (\d{4})$/);
  if (m && MONTHS[m[2]]) return isoDate(+m[3], MONTHS[m[2]], +m[1]);
  m = s.match(/^([a-zäéû]+)\.? (\d{1,2}) (\d{4})$/);
  if (m && MONTHS[m[1]]) return isoDate(+m[3], MONTHS[m[1]], +m[2]);
  return undefined;
}

const SYMBOLS = { "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "chf": "CHF", "fr.": "CHF" };

/** "eur", "€" → "EUR"; null when empty; undefined when not a three-letter code. */
export function parseCurrency(text) {
  const s = String(text ?? "").trim();
  if (!s) return null;
  const code = SYMBOLS[s.toLowerCase()] || s.toUpperCase();
  return /^[A-Z]{3}$/.test(code) ? code : undefined;
}

export function parseText(text) {
  const s = String(text ?? "").trim();
  return s || null;
}
