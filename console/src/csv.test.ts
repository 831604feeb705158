import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';
import { daysBetween, formatCost, formatHours, sandboxHours } from './format.js';

describe('the usage CSV', () => {
  it('quotes what needs quoting, doubles quotes, ends lines with CRLF', () => {
    expect(toCsv([['Project', 'Cost'], ['Bakery, "deluxe"', 1.5], ['multi\nline', null]])).toBe('Project,Cost\r\n"Bakery, ""deluxe""",1.5\r\n"multi\nline",\r\n');
  });

  it('defuses text a spreadsheet would run as a formula (CSV injection), but not numbers', () => {
    expect(toCsv([['=HYPERLINK("http://evil")', '+1', '@sum', -3]])).toBe(`"'=HYPERLINK(""http://evil"")",'+1,'@sum,-3\r\n`);
  });
});

describe('formats', () => {
  it('counts whole UTC days in [from, to)', () => {
    expect(daysBetween(new Date('2026-11-29T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
  });

  it('shows small costs to the tenth of a cent rather than as zero', () => {
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(1_234)).toBe('$0.0012');
    expect(formatCost(44_840_000)).toBe('$44.84');
  });

  it('shows a few sandbox seconds as a fraction of an hour, not as 0 (totals, chart axes, rows)', () => {
    expect(formatHours(sandboxHours(4.2))).toBe('0.0012');
    expect(formatHours(0)).toBe('0');
    expect(formatHours(2.345)).toBe('2.35');
  });
});
