/** Number, money, time and byte formats used across the pages (en-US, UTC days as the API counts them). */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const formatInteger = (value: number) => integer.format(value);
export const formatDecimal = (value: number) => decimal.format(value);

const small = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });
/** Hours: two decimals, but two significant digits under 0.1 (a few sandbox seconds are not "0"). */
export const formatHours = (value: number) => (value !== 0 && Math.abs(value) < 0.1 ? small.format(value) : decimal.format(value));

/** micro-USD → `$1.23` (four decimals under a cent, so small test costs do not read as zero). */
export function formatCost(micros: number): string {
  const dollars = micros / 1_000_000;
  const digits = dollars !== 0 && Math.abs(dollars) < 0.01 ? 4 : 2;
  return `$${dollars.toFixed(digits)}`;
}

export const sandboxHours = (seconds: number) => seconds / 3600;

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `2026-12-04 20:46 UTC`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 min ago`, `2 h ago`, `5 d ago`; a date further back. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - new Date(iso).getTime();
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  if (ms < 30 * 86_400_000) return `${Math.floor(ms / 86_400_000)} d ago`;
  return formatTime(iso);
}

/** `YYYY-MM-DD` of a date, in UTC. */
export const utcDay = (date: Date) => date.toISOString().slice(0, 10);

/** Every UTC day in [from, to), as `YYYY-MM-DD`. */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let time = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); time < to.getTime(); time += 86_400_000) days.push(utcDay(new Date(time)));
  return days;
}
