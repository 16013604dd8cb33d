/**
 * The few Python behaviours the NAB scorer (shared/nab/nab_score.py) relies on, reproduced so the
 * TypeScript scorer reads the same files the same way: `datetime` parsing and equality,
 * `float()` parsing, and `csv.reader` on one line.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  us: number;
  /** UTC offset in microseconds, or null for a naive datetime. */
  offsetUs: number | null;
}

function valid(f: Fields): boolean {
  if (f.y < 1 || f.y > 9999 || f.mo < 1 || f.mo > 12 || f.d < 1) return false;
  const dim = f.mo === 2 && isLeap(f.y) ? 29 : DAYS_IN_MONTH[f.mo - 1];
  return f.d <= dim && f.h <= 23 && f.mi <= 59 && f.s <= 59;
}

/** Fractional seconds as Python reads them: first 6 digits, right-padded, the rest dropped. */
function micros(frac: string | undefined): number {
  return frac ? Number(frac.slice(0, 6).padEnd(6, '0')) : 0;
}

const ISO_DATE_EXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_BASIC = /^(\d{4})(\d{2})(\d{2})$/;
const ISO_TIME_EXT = /^(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?$/;
const ISO_TIME_BASIC = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?$/;
const ISO_TZ = /^([+-])(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?$/;

/** A subset of Python 3.11 `datetime.fromisoformat` (calendar dates, not week dates). */
function fromIsoFormat(text: string): Fields | null {
  const basic = text.length >= 8 && /^\d{8}/.test(text) && !/^\d{4}-/.test(text);
  const dateLen = basic ? 8 : 10;
  const date = (basic ? ISO_DATE_BASIC : ISO_DATE_EXT).exec(text.slice(0, dateLen));
  if (!date) return null;
  const f: Fields = {
    y: Number(date[1]),
    mo: Number(date[2]),
    d: Number(date[3]),
    h: 0,
    mi: 0,
    s: 0,
    us: 0,
    offsetUs: null,
  };
  if (text.length > dateLen) {
    // any single character separates date and time
    let time = text.slice(dateLen + 1);
    if (!time) return null;
    const tzAt = time.search(/[Zz+-]/);
    if (tzAt >= 0) {
      const tz = time.slice(tzAt);
      time = time.slice(0, tzAt);
      if (tz === 'Z' || tz === 'z') f.offsetUs = 0;
      else {
        const m = ISO_TZ.exec(tz);
        if (!m) return null;
        const sign = m[1] === '-' ? -1 : 1;
        const hh = Number(m[2]);
        const mm = Number(m[3] ?? 0);
        const ss = Number(m[4] ?? 0);
        if (hh > 23 || mm > 59 || ss > 59) return null;
        f.offsetUs = sign * (((hh * 60 + mm) * 60 + ss) * 1e6 + micros(m[5]));
      }
    }
    const t = (time.includes(':') ? ISO_TIME_EXT : ISO_TIME_BASIC).exec(time);
    if (!t) return null;
    f.h = Number(t[1]);
    f.mi = Number(t[2] ?? 0);
    f.s = Number(t[3] ?? 0);
    f.us = micros(t[4]);
  }
  return valid(f) ? f : null;
}

/** The `strptime` fallbacks of nab_score.py: '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M'. */
const STRPTIME = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$/;

function fromStrptime(text: string): Fields | null {
  const m = STRPTIME.exec(text);
  if (!m) return null;
  const f: Fields = {
    y: Number(m[1]),
    mo: Number(m[2]),
    d: Number(m[3]),
    h: Number(m[4]),
    mi: Number(m[5]),
    s: Number(m[6] ?? 0),
    us: micros(m[7]),
    offsetUs: null,
  };
  return valid(f) ? f : null;
}

const NAB_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function validNab(t: string): boolean {
  const n = (a: number, b: number) => Number(t.slice(a, b));
  return valid({
    y: n(0, 4),
    mo: n(5, 7),
    d: n(8, 10),
    h: n(11, 13),
    mi: n(14, 16),
    s: n(17, 19),
    us: 0,
    offsetUs: null,
  });
}

/**
 * nab_score.py `parse_ts`, as a key: two texts give equal keys exactly when Python's datetimes
 * compare equal (naive by wall time, aware by UTC instant; naive never equals aware).
 * Throws on text Python would not parse.
 */
export function pyDatetimeKey(text: string): string {
  const t = text.trim();
  if (NAB_FORMAT.test(t) && validNab(t)) return `${t}.000000`; // the common case, fast
  const f = fromIsoFormat(t) ?? fromStrptime(t);
  if (!f) throw new Error(`unparseable timestamp ${JSON.stringify(text)}`);
  if (f.offsetUs === null)
    return (
      `${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)} ` + `${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}.${pad(f.us, 6)}`
    );
  // aware: the UTC instant in microseconds (exact in a double for years 1..9999)
  const at = new Date(0);
  at.setUTCFullYear(f.y, f.mo - 1, f.d);
  at.setUTCHours(f.h, f.mi, f.s, 0);
  return `utc:${at.getTime() * 1000 + f.us - f.offsetUs}`;
}

/** Python `float(text)`: surrounding whitespace, '_' between digits, inf/infinity/nan; throws otherwise. */
export function pyFloat(text: string): number {
  const s = text.trim();
  const low = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(low)) return low.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(low)) return NaN;
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/.test(s))
    throw new Error(`could not convert string to float: ${JSON.stringify(text)}`);
  return Number(s.replace(/_/g, ''));
}

/** One line of `csv.reader` (excel dialect): fields split on ',', '"' quoting with '""' escapes. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}
