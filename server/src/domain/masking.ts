/**
 * Masking of personal information (个人信息保护法) for readers that must not see it — the wall,
 * public Open311 reads, notifications, exports for roles without personal data: applied on the
 * server before anything is sent, never left to the browser (docs/design.md §4). This is the one
 * module that masks; every path that serves a masked reader calls `maskIncident` or `maskText`.
 *
 * In free text it finds, whatever their punctuation: mobile numbers (with dashes, spaces or dots,
 * `+86`/`0086`, full-width digits), landlines with their area code (brackets too), 15- and 18-digit
 * ID numbers (with `X`), bank card numbers, e-mail addresses, and house numbers below the building
 * (`3栋2单元501室` keeps `3栋`). What is masked keeps its shape, so the text stays readable; what is
 * not personal — case numbers, unit codes, dates, counts — is left as it is.
 */
import { levelOfCode } from '../contract/geo.ts';
import type { Incident, IncidentDetail } from '../contract/incidents.ts';

/** 张三 → 张*, 欧阳娜娜 → 欧***; empty stays empty. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length === 0 ? '' : chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** A phone number field: 13812345678 → 138****5678; other lengths keep at most the last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = asciiDigits(phone).replace(/\D/g, '');
  if (digits.length === 0) return '';
  const mobile = /^(?:0086|86)?(1[3-9]\d{9})$/.exec(digits)?.[1];
  if (mobile) return `${mobile.slice(0, 3)}****${mobile.slice(7)}`;
  const keep = Math.min(4, Math.floor(digits.length / 2));
  return '*'.repeat(digits.length - keep) + digits.slice(digits.length - keep);
}

/** Full-width digits (０–９) as ASCII: one UTF-16 unit each way, so positions do not move. */
const asciiDigits = (text: string): string => text.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));

/**
 * A run of digits as people write them: an optional `+86`/`0086`, an optional bracketed area code,
 * then digits with at most one separator (space, dash, dot) between them. Chinese text puts numbers
 * right against words (电话13812345678), so only a Latin letter or a digit next to it ends the match
 * (`P431103…`, a party organisation's id, is a code, not a number).
 */
const NUMBER_RUN = /(?<![A-Za-z\d])(?:(?:\+|00)86[\s-]?)?(?:[(（]0\d{2,3}[)）][\s-]?)?\d(?:[\s.-]?\d)*(?:[\s-]?[Xx])?(?![A-Za-z\d])/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** 3栋2单元501室, 12幢1单元1203, 5号楼602室: the building stays, what lies below it is masked. */
const BELOW_BUILDING = /(\d+(?:栋|幢|号楼))(\d+单元)?(\d+)(室|号|户)?/g;
/** A room on its own: 501室, 1203户. */
const ROOM = /(?<![\d栋幢楼元])\d{3,4}(室|户)/g;

const stars = (n: number): string => '*'.repeat(Math.max(1, n));

/** An ID number's birth date is a real date: a 15- or 18-digit unit code is not an ID. */
function isIdNumber(digits: string, checkX: boolean): boolean {
  if (digits.length === 18 || (digits.length === 17 && checkX)) {
    const [y, m, d] = [Number(digits.slice(6, 10)), Number(digits.slice(10, 12)), Number(digits.slice(12, 14))];
    return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
  }
  if (digits.length === 15) {
    const [m, d] = [Number(digits.slice(8, 10)), Number(digits.slice(10, 12))];
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
  }
  return false;
}

/** The Luhn check that payment card numbers carry. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Replaces every digit of `run` from the `keepHead`-th to the `keepTail`-th last by `*`, keeping separators. */
function starDigits(run: string, keepHead: number, keepTail: number): string {
  const total = (run.match(/\d/g) ?? []).length;
  let seen = 0;
  return run.replace(/\d/g, (d) => {
    seen++;
    return seen <= keepHead || seen > total - keepTail ? d : '*';
  });
}

/** A number run masked by what it is, or unchanged when it is nothing personal. */
function maskRun(run: string): string {
  const hasX = /[Xx]$/.test(run);
  const digits = run.replace(/\D/g, '');
  const national = /^(?:\+|00)86/.test(run) ? digits.replace(/^(?:00)?86/, '') : digits;
  const prefix = run.length - run.replace(/^(?:\+|00)86[\s-]?/, '').length;
  const head = run.slice(0, prefix);
  const body = run.slice(prefix);
  if (/^1[3-9]\d{9}$/.test(national)) return head + starDigits(body, 3, 4);
  if (/^0\d{9,11}$/.test(national) && !hasX) {
    const area = national.startsWith('01') || national.startsWith('02') ? 3 : 4;
    return head + starDigits(body, area, 2);
  }
  if (isIdNumber(digits, hasX)) return starDigits(run, 3, hasX ? 3 : 4).replace(/[Xx]$/, '*');
  if (levelOfCode(digits)) return run; // a unit code (grid, compound …) names a place, not a person
  if (!hasX && digits.length >= 16 && digits.length <= 19 && luhn(digits)) return starDigits(run, 0, 4);
  return run;
}

/** Free text with the personal data in it masked (see the module's comment for what is found). */
export function maskText(text: string): string {
  if (!text) return text;
  const ascii = asciiDigits(text);
  let out = '';
  let last = 0;
  for (const m of ascii.matchAll(NUMBER_RUN)) {
    const masked = maskRun(m[0]);
    if (masked === m[0]) continue;
    out += text.slice(last, m.index) + masked;
    last = m.index + m[0].length;
  }
  out += text.slice(last);
  return out
    .replace(EMAIL, (e) => {
      const at = e.indexOf('@');
      return e[0] + stars(at - 1) + e.slice(at);
    })
    .replace(
      BELOW_BUILDING,
      (_m, building: string, unit: string | undefined, room: string, suffix: string | undefined) =>
        `${building}${unit ? '*单元' : ''}${stars(room.length)}${suffix ?? ''}`,
    )
    .replace(ROOM, (m, suffix: string) => stars(m.length - suffix.length) + suffix);
}

/**
 * A case as a masked reader may see it: the reporter's name and phone masked, every free-text
 * field masked, no photo (photos show people), and the timeline's notes masked where there is one.
 */
export function maskIncident<T extends Incident>(incident: T): T {
  const masked: T = {
    ...incident,
    reporterName: maskName(incident.reporterName),
    reporterPhone: maskPhone(incident.reporterPhone),
    description: maskText(incident.description),
    address: maskText(incident.address),
    photoUrl: null,
  };
  const timeline = (incident as Partial<IncidentDetail>).timeline;
  if (timeline) (masked as Partial<IncidentDetail>).timeline = timeline.map((e) => ({ ...e, note: maskText(e.note) }));
  return masked;
}
