// Manifests as YAML text, and line diffs between two texts.

const PLAIN = /^[A-Za-z_/.][\w./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'string') return String(value);
  if (value !== '' && PLAIN.test(value) && !RESERVED.test(value)) return value;
  return JSON.stringify(value);
}

function isEmpty(value) {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function entries(value, sortKeys) {
  const list = Object.entries(value);
  return sortKeys ? list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : list;
}

function emit(value, indent, lines, sortKeys) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !isEmpty(item)) {
        const nested = [];
        emit(item, indent + 2, nested, sortKeys);
        nested[0] = `${pad}- ${nested[0].slice(indent + 2)}`;
        lines.push(...nested);
      } else {
        lines.push(`${pad}- ${inline(item)}`);
      }
    }
    return;
  }
  for (const [key, item] of entries(value, sortKeys)) {
    if (item !== null && typeof item === 'object' && !isEmpty(item)) {
      lines.push(`${pad}${scalar(key)}:`);
      emit(item, Array.isArray(item) ? indent : indent + 2, lines, sortKeys);
    } else if (typeof item === 'string' && item.includes('\n')) {
      lines.push(`${pad}${scalar(key)}: |-`);
      for (const line of item.split('\n')) lines.push(`${pad}  ${line}`);
    } else {
      lines.push(`${pad}${scalar(key)}: ${inline(item)}`);
    }
  }
}

function inline(value) {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}

/**
 * Renders a JSON value as block YAML, keys in their stored order or, with
 * `sortKeys` (for diffs), sorted.
 */
export function toYaml(value, sortKeys = false) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object' || isEmpty(value)) return `${inline(value)}\n`;
  const lines = [];
  emit(value, 0, lines, sortKeys);
  return `${lines.join('\n')}\n`;
}

/** Edit distance beyond which a diff shows the texts replaced wholesale. */
const MAX_EDITS = 2000;

/**
 * The line diff of `before` and `after` (Myers' O((N+M)·D) algorithm) as
 * `[{op: ' ' | '-' | '+', line}]`, every line of both texts in order. Past
 * MAX_EDITS edits, all of `before` is removed and all of `after` added.
 */
export function diffLines(before, after) {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, MAX_EDITS);
  // v[k] is the furthest x on diagonal k; trace[d] holds v for k in -d..d
  // as it was before step d.
  const v = new Map([[1, 0]]);
  const trace = [];
  const furthest = (row, d, k) => row[k + d];
  let done = false;
  for (let d = 0; d <= limit && !done; d += 1) {
    const row = [];
    for (let k = -d; k <= d; k += 1) row.push(v.get(k) ?? 0);
    trace.push(row);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v.get(k - 1) ?? 0) < (v.get(k + 1) ?? 0));
      let x = down ? (v.get(k + 1) ?? 0) : (v.get(k - 1) ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v.set(k, x);
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  if (!done) {
    return [...a.map((line) => ({ op: '-', line })), ...b.map((line) => ({ op: '+', line }))];
  }
  const ops = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d -= 1) {
    const row = trace[d];
    const k = x - y;
    const down = k === -d
      || (k !== d && furthest(row, d, k - 1) < furthest(row, d, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : furthest(row, d, prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x -= 1;
      y -= 1;
      ops.push({ op: ' ', line: a[x] });
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: '+', line: b[prevY] });
      else ops.push({ op: '-', line: a[prevX] });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}
