/** Formatting for display: Asia/Shanghai time, rates, durations, remaining SLA time. */
const SHANGHAI = 8 * 3_600_000;

const pad = (n: number): string => String(n).padStart(2, '0');

/** 2026-11-30T01:05:09Z → 09:05:09 (Shanghai). */
export function clockText(iso: string | number | Date, seconds = true): string {
  const d = new Date(new Date(iso).getTime() + SHANGHAI);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
}

/** 2026年11月30日 星期一 */
export function dateText(iso: string | number | Date): string {
  const d = new Date(new Date(iso).getTime() + SHANGHAI);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 星期${'日一二三四五六'[d.getUTCDay()]}`;
}

/** 11-30 09:05 */
export function shortDateTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + SHANGHAI);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function percent(rate: number | null | undefined, digits = 1): string {
  return rate === null || rate === undefined || Number.isNaN(rate) ? '—' : `${(rate * 100).toFixed(digits)}%`;
}

/** One formatter for every call: toLocaleString builds a costly one per call. */
const INTEGER = new Intl.NumberFormat('zh-CN');

export function integer(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : INTEGER.format(n);
}

/** Remaining time to a deadline: "剩 1时05分", "超 12分", "—". */
export function remaining(deadline: string | null, now: number): string {
  if (!deadline) return '—';
  const ms = Date.parse(deadline) - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const text = h > 0 ? `${h}时${pad(m)}分` : m > 0 ? `${m}分` : `${Math.floor(abs / 1000)}秒`;
  return ms >= 0 ? `剩 ${text}` : `超 ${text}`;
}

/** "3 秒前", "2 分钟前" — for staleness notes. */
export function ago(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} 秒前`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} 分钟前`;
  return `${Math.round(ms / 3_600_000)} 小时前`;
}
