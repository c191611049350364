/** UTC calendar arithmetic for finance: a day is [00:00:00Z, next 00:00:00Z), a month starts on its 1st at 00:00Z. */
export const DAY_MS = 86_400_000;

export function utcDay(day: string): Date {
  const date = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day)
    throw new RangeError(`not a day: ${day}`);
  return date;
}

export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

export function monthBounds(month: string): { start: Date; end: Date; days: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(y, m - 1, 1));
  const end = new Date(Date.UTC(y, m, 1));
  return { start, end, days: Math.round((end.getTime() - start.getTime()) / DAY_MS) };
}
