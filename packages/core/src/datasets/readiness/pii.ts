/**
 * Personal and sensitive data in free text: regular expressions find candidates, then each candidate is checked
 * the way its issuer defines it (Luhn for cards, MOD 97-10 for IBANs, Verhoeff for Aadhaar, the SSA's rules for
 * SSNs, libphonenumber's metadata for phone numbers) so that a number that only looks right is not reported.
 *
 * Found values leave this module masked (`maskPiiValue`, for display) or replaced by a placeholder (`redactPii`, for
 * a cleaned dataset); the value in clear is never returned to a caller that stores or logs.
 */
import { isValidPhoneNumber } from "libphonenumber-js/min";
import { ibanValid, luhnValid, verhoeffValid } from "./checksums";

export const PII_KINDS = ["email", "phone", "card", "iban", "aadhaar", "pan", "ssn", "ip", "dob", "mrn"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** Plural names, for counts other than 1 (PII_LABEL_ONE for 1). */
export const PII_LABELS: Record<PiiKind, string> = {
  email: "e-mail addresses",
  phone: "phone numbers",
  card: "payment card numbers (Luhn-valid)",
  iban: "IBANs (checksum-valid)",
  aadhaar: "Aadhaar numbers (Verhoeff-valid)",
  pan: "Indian PAN numbers",
  ssn: "US Social Security numbers",
  ip: "IP addresses",
  dob: "dates of birth",
  mrn: "medical record identifiers",
};

export const PII_LABEL_ONE: Record<PiiKind, string> = {
  email: "e-mail address",
  phone: "phone number",
  card: "payment card number (Luhn-valid)",
  iban: "IBAN (checksum-valid)",
  aadhaar: "Aadhaar number (Verhoeff-valid)",
  pan: "Indian PAN number",
  ssn: "US Social Security number",
  ip: "IP address",
  dob: "date of birth",
  mrn: "medical record identifier",
};

/** The placeholder a cleaned version has instead of the value. */
export const PII_PLACEHOLDERS: Record<PiiKind, string> = {
  email: "[EMAIL]",
  phone: "[PHONE]",
  card: "[CARD_NUMBER]",
  iban: "[IBAN]",
  aadhaar: "[AADHAAR]",
  pan: "[PAN]",
  ssn: "[SSN]",
  ip: "[IP_ADDRESS]",
  dob: "[DATE_OF_BIRTH]",
  mrn: "[MEDICAL_RECORD_ID]",
};

/** Identifiers that single out a person or an account on their own: finding one blocks training. */
export const BLOCKING_PII: ReadonlySet<PiiKind> = new Set(["card", "iban", "aadhaar", "pan", "ssn", "mrn"]);

export interface PiiMatch {
  kind: PiiKind;
  /** [start, end) in the text; for dob and mrn the value only, not the keyword before it. */
  start: number;
  end: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}/g;
/** PAN: 5 letters (the 4th is the holder type), 4 digits, 1 letter. */
const PAN = /^[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]$/;
/** Before the digits of an IBAN with letters in its account: the country code and check digits. */
const IBAN_BEFORE = /[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){0,5} ?$/;
/** IBAN: country code, check digits, then the account in groups of four (spaces optional). */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const IPV6 = /(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])/g;
const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?";
const DATE = `(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}(?:st|nd|rd|th)? ${MONTH},? \\d{4}|${MONTH} \\d{1,2}(?:st|nd|rd|th)?,? \\d{4})`;
const DOB = new RegExp(
  `\\b(?:d\\.?o\\.?b\\.?|date of birth|birth ?date|born(?: on)?)\\s*(?:[:#-]|is|was)?\\s*(${DATE})(?![\\d])`,
  "gi",
);

/** Card number prefixes (IIN ranges) of the networks in use: Visa, Mastercard, Amex, Discover, RuPay, JCB, Diners, Maestro, UnionPay. */
function plausibleCardPrefix(d: string): boolean {
  const two = Number(d.slice(0, 2));
  const four = Number(d.slice(0, 4));
  const n = d.length;
  if (d[0] === "4") return n === 13 || n === 16 || n === 19;
  if (two >= 51 && two <= 55) return n === 16;
  if (four >= 2221 && four <= 2720) return n === 16;
  if (two === 34 || two === 37) return n === 15;
  if (two === 36 || two === 38 || (four >= 3000 && four <= 3059)) return n >= 14 && n <= 19;
  if (four >= 3528 && four <= 3589) return n >= 16 && n <= 19;
  if (two === 60 || two === 65 || two === 81 || two === 82 || two === 62 || two === 64) return n >= 16 && n <= 19;
  if (two === 50 || (two >= 56 && two <= 69)) return n >= 12 && n <= 19;
  return false;
}

/** Separators used consistently between digit groups (spaces or dashes), or none. */
const CARD_SHAPE = /^\d{4}(?:([ -]?)\d{4}){2}\1\d{1,7}$|^\d{4}([ -]?)\d{6}\2\d{4,5}$/;
const AADHAAR_SHAPE = /^[2-9]\d{3}([ -]?)\d{4}\1\d{4}$/;
const SSN_SHAPE = /^(\d{3})([ -])(\d{2})\2(\d{4})$/;
const IPV4_SHAPE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
function ssnValid(m: RegExpExecArray): boolean {
  const area = Number(m[1]);
  return area !== 0 && area !== 666 && area < 900 && m[3] !== "00" && m[4] !== "0000";
}

function phoneValid(s: string, digits: string): boolean {
  if (s.startsWith("+")) return digits.length >= 8 && digits.length <= 15 && isValidPhoneNumber(s);
  // Without a country code: Indian numbers (10 digits, optionally after 0 or 91), or North American ones
  // written with separators (a bare 10-digit run is more often an id than a US phone number).
  const bare = /^\d+$/.test(s);
  if (
    digits.length === 10 ||
    (digits.length === 11 && digits[0] === "0") ||
    (digits.length === 12 && digits.startsWith("91"))
  ) {
    const national = digits.slice(-10);
    if (/^[6-9]/.test(national) && isValidPhoneNumber(national, "IN")) return true;
  }
  if (!bare && (digits.length === 10 || (digits.length === 11 && digits[0] === "1")))
    return isValidPhoneNumber(s, "US");
  return false;
}

/** What a run of digits and separators is, checked, or null. */
function classifyNumber(s: string): PiiKind | null {
  const ip = IPV4_SHAPE.exec(s);
  if (ip) return ip.slice(1).every((o) => Number(o) <= 255 && !(o.length > 1 && o[0] === "0")) ? "ip" : null;
  const digits = s.replace(/\D/g, "");
  const bare = s.replace(/^[+(]/, "");
  if (
    digits.length >= 12 &&
    digits.length <= 19 &&
    CARD_SHAPE.test(bare) &&
    plausibleCardPrefix(digits) &&
    luhnValid(digits)
  )
    return "card";
  if (digits.length === 12 && AADHAAR_SHAPE.test(bare) && verhoeffValid(digits)) return "aadhaar";
  const ssn = SSN_SHAPE.exec(bare);
  if (ssn) return ssnValid(ssn) ? "ssn" : null;
  if (digits.length >= 8 && digits.length <= 15 && /^[+(]?[\d ().-]+$/.test(s) && phoneValid(s, digits)) return "phone";
  return null;
}

/** RFC 4291 text forms: 8 groups, or fewer with one "::"; not a clock time (12:30:45). */
function ipv6Valid(v: string): boolean {
  const compressed = v.split("::").length - 1;
  if (compressed > 1) return false;
  const groups = v.split(":").filter(Boolean);
  if (groups.length === 0 || groups.some((g) => g.length > 4)) return false;
  if (compressed === 0 && groups.length !== 8) return false;
  return compressed === 1 ? groups.length <= 7 && groups.length >= 2 : /[a-f]/i.test(v) || groups.length === 8;
}

/** Keywords that make the number after them a date of birth or a medical record id (checked before a candidate). */
const DOB_BEFORE = /(?:\bd\.?o\.?b\.?|date of birth|birth ?date|\bborn(?: on)?)\s*(?:[:#-]|is|was)?\s*$/i;
const MRN_BEFORE =
  /\b(?:MRN|medical record(?: number| no\.?| #)?|patient (?:id|no\.?|number)|chart (?:number|no\.?)|NHS (?:number|no\.?)|health record (?:number|no\.?))\s*(?:[:#-]|is)?\s*$/i;
/** Words one of which must be in the 40 characters before a date of birth or a record id. */
const CONTEXT_WORDS = ["d.o.b", "dob", "birth", "born", "mrn", "record", "patient", "chart", "nhs"];
/**
 * Candidates: a run of digits and separators. It starts with a digit so the engine can skip ahead to the next digit;
 * a "+", "(" or up to 3 capital letters before it (IBAN, MRN) are taken by looking back.
 */
const CANDIDATE = /\d[\d ()./-]{2,32}\d/g;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Every piece of personal data in `text`, in order, non-overlapping. One regular-expression scan finds the runs of
 * digits (the engine's native scan is several times faster than a JavaScript loop over the characters); each run
 * is then classified, and only for runs that could be a date of birth or a record id is the text before it read
 * for a keyword. E-mail, PAN and IPv6 have scans of their own, each skipped when a character they need is absent.
 */
export function findPii(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  if (text.length < 6) return out;
  if (text.includes("@")) {
    for (const m of text.matchAll(EMAIL)) out.push({ kind: "email", start: m.index, end: m.index + m[0].length });
  }
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    let s = m[0].replace(/[ .(/-]+$/, "");
    let start = m.index;
    const after = m.index + m[0].length;
    const next = after < text.length ? text.charCodeAt(after) : 32;
    if (isWord(next)) {
      // Glued to what follows: only a PAN (5 letters, 4 digits, 1 letter) ends that way.
      const at = start - 5;
      if (
        s.length === 4 &&
        isUpper(next) &&
        at >= 0 &&
        (at === 0 || !isWord(text.charCodeAt(at - 1))) &&
        (after + 1 === text.length || !isWord(text.charCodeAt(after + 1))) &&
        PAN.test(text.slice(at, after + 1))
      )
        out.push({ kind: "pan", start: at, end: after + 1 });
      continue;
    }
    const prev = start > 0 ? text.charCodeAt(start - 1) : 32;
    if (isWord(prev)) {
      // Glued to letters: only an IBAN's country code or an id's letters (up to 3 capitals after a word boundary).
      let k = start;
      while (k > 0 && start - k < 3 && isUpper(text.charCodeAt(k - 1))) k--;
      if (k === start || (k > 0 && isWord(text.charCodeAt(k - 1)))) continue;
      s = text.slice(k, start) + s;
      start = k;
    } else if (prev === 43 /* + */ || (prev === 40 /* ( */ && /^\d{3}\)/.test(s))) {
      s = text[start - 1] + s;
      start--;
    }
    const kind = classifyCandidate(text, s, start);
    if (kind) out.push({ kind, start, end: start + s.length });
    else if (start >= 4 && IBAN_BEFORE.test(text.slice(Math.max(0, start - 24), start))) {
      // An IBAN whose account has letters (GB82 WEST 1234…): its digits come after the country code and letters.
      const from = Math.max(0, start - 24);
      IBAN.lastIndex = 0;
      const window = text.slice(from, start + 40);
      for (let w = IBAN.exec(window); w; w = IBAN.exec(window)) {
        if (w.index <= start - from && w.index + w[0].length > start - from && ibanValid(w[0].replace(/ /g, ""))) {
          out.push({ kind: "iban", start: from + w.index, end: from + w.index + w[0].length });
          break;
        }
      }
    } else {
      const ctx = contextMatch(text, s, start);
      if (ctx) out.push(ctx);
    }
  }
  if (text.includes("::") || (text.includes(":") && /[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:/.test(text))) {
    for (const m of text.matchAll(IPV6))
      if (ipv6Valid(m[0])) out.push({ kind: "ip", start: m.index, end: m.index + m[0].length });
  }
  if (out.length < 2) return out;
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiMatch[] = [];
  for (const m of out) {
    const last = kept[kept.length - 1];
    if (!last || m.start >= last.end) kept.push(m);
  }
  return kept;
}

function classifyCandidate(text: string, s: string, start: number): PiiKind | null {
  const letters = /^[A-Z]+/.exec(s)?.[0].length ?? 0;
  if (letters > 0) {
    // IBAN: country code + check digits, then the account (spaces in groups of four, or none).
    if (letters === 2 && /^[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}$/.test(s) && ibanValid(s.replace(/ /g, "")))
      return "iban";
    return null;
  }
  // A number glued to letters before it (an id like "ORD1234567") is not a phone or a card.
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  if ((before >= 65 && before <= 90) || (before >= 97 && before <= 122)) return null;
  return classifyNumber(s);
}

/** A date of birth or a medical record id: a keyword right before the candidate decides. */
function contextMatch(text: string, s: string, start: number): PiiMatch | null {
  const digits = s.replace(/\D/g, "").length;
  if (digits < 3 || start === 0) return null;
  const before = text.slice(Math.max(0, start - 40), start);
  // Most numbers have no keyword before them: a cheap look for any keyword's letters first.
  const low = before.toLowerCase();
  if (!CONTEXT_WORDS.some((w) => low.includes(w))) return null;
  if (/\d/.test(s) && DOB_BEFORE.test(before)) {
    const m = new RegExp(`^${DATE}`, "i").exec(text.slice(start, start + 40));
    if (m) return { kind: "dob", start, end: start + m[0].length };
  }
  // Month-name dates: "born on March 3, 1985" — the candidate is the year; look for the whole date before it.
  if (/^\d{4}$/.test(s)) {
    const wide = text.slice(Math.max(0, start - 60), start + 4);
    for (const m of wide.matchAll(DOB)) {
      if (m.index + m[0].length === wide.length)
        return { kind: "dob", start: start + 4 - m[1]!.length, end: start + 4 };
    }
  }
  if (MRN_BEFORE.test(before)) {
    const id = /^[A-Z0-9][A-Z0-9-]{4,19}\b/i.exec(text.slice(start, start + 24))?.[0];
    if (id && (id.match(/\d/g)?.length ?? 0) >= 3) return { kind: "mrn", start, end: start + id.length };
  }
  return null;
}

const MASK = "•";
/** Masks letters and digits of `s` except the first `head` and last `tail` of them; separators stay. */
function keep(s: string, head: number, tail: number): string {
  const alnum = s.replace(/[^A-Za-z0-9]/g, "").length;
  let i = 0;
  return s.replace(/[A-Za-z0-9]/g, (c) => {
    const pos = i++;
    return pos < head || pos >= alnum - tail ? c : MASK;
  });
}

/**
 * A found value as the readiness report shows it: enough to recognise it in the file, not enough to use it.
 * Cards and Aadhaar keep their last 4 digits (as printed on receipts and masked Aadhaar), e-mails their first
 * character and top-level domain, the rest at most their last 2 characters.
 */
export function maskPiiValue(kind: PiiKind, value: string): string {
  switch (kind) {
    case "email": {
      const at = value.lastIndexOf("@");
      const local = value.slice(0, at);
      const domain = value.slice(at + 1);
      const dot = domain.lastIndexOf(".");
      return `${local[0] ?? ""}${MASK.repeat(Math.max(1, Math.min(local.length - 1, 6)))}@${MASK.repeat(Math.max(1, Math.min(dot, 6)))}${domain.slice(dot)}`;
    }
    case "card":
    case "aadhaar":
      return keep(value, 0, 4);
    case "iban":
      return keep(value, 2, 2);
    case "ip":
      return value.includes(":") ? keep(value, 4, 0) : value.replace(/\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, ".•.•.•");
    case "dob":
      return value.replace(/[A-Za-z0-9]/g, MASK);
    case "pan":
      return keep(value, 0, 1);
    default:
      return keep(value, 0, 2);
  }
}

/** `text` with every piece of personal data replaced by its placeholder ([EMAIL], [CARD_NUMBER], …). */
export function redactPii(text: string, found: PiiMatch[] = findPii(text)): string {
  if (found.length === 0) return text;
  let out = "";
  let at = 0;
  for (const m of found) {
    out += text.slice(at, m.start) + PII_PLACEHOLDERS[m.kind];
    at = m.end;
  }
  return out + text.slice(at);
}
