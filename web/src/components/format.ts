const number = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en', { maximumFractionDigits: 0, style: 'currency', currency: 'GBP' });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

export const fmt = {
  int: (v: number | null | undefined) => (v === null || v === undefined ? '–' : number.format(v)),
  money: (v: number | null | undefined) => (v === null || v === undefined ? '–' : money.format(v)),
  percent: (v: number | null | undefined) => (v === null || v === undefined ? '–' : percent.format(v)),
  days: (v: number | null | undefined) => (v === null || v === undefined ? 'never' : `${number.format(v)} d`),
  fixed: (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '–' : v.toFixed(digits)),
  signed: (v: number) => (v > 0 ? `+${number.format(v)}` : v < 0 ? `−${number.format(-v)}` : '±0'),
  date: (v: string | null | undefined) => (v ? new Date(v).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '–'),
};
