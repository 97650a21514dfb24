/**
 * Masking of personal information (个人信息保护法) for roles that must not see it (the wall):
 * applied on the server before anything is sent, never left to the browser.
 */
import type { Incident } from '../contract/incidents.ts';

/** 张三 → 张*, 欧阳娜娜 → 欧***; empty stays empty. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length === 0 ? '' : chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** 13812345678 → 138****5678; other lengths keep at most the last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 0) return '';
  if (digits.length === 11) return `${digits.slice(0, 3)}****${digits.slice(7)}`;
  const keep = Math.min(4, Math.floor(digits.length / 2));
  return '*'.repeat(digits.length - keep) + digits.slice(digits.length - keep);
}

/** Phone-number-like runs in free text (a reporter writing their number into the description). */
const PHONE_IN_TEXT = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
/** Free text with the mobile numbers in it masked. */
export const maskPhonesIn = (text: string): string => text.replace(PHONE_IN_TEXT, maskPhone);

export function maskIncident<T extends Incident>(incident: T): T {
  return {
    ...incident,
    reporterName: maskName(incident.reporterName),
    reporterPhone: maskPhone(incident.reporterPhone),
    description: maskPhonesIn(incident.description),
  };
}
