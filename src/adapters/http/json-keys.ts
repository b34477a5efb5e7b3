/**
 * Repeated keys in JSON text. `JSON.parse` keeps the last of them without a word, where another reader may keep the
 * first: RFC 8259 §4 leaves the meaning of such an object to each reader, so a request that decides who may do what
 * must not carry one (review cm, 6).
 */

interface Frame {
  /** The keys of an object seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  /** The key being read in an object, or the index in an array. */
  at: string | number;
}

/** The JSON path of the value under `frames`: each one's key or index, the last frame's too. */
function pathAt(frames: readonly Frame[]): string {
  let path = '';
  for (const f of frames) path = typeof f.at === 'number' ? `${path}[${f.at}]` : f === frames[0] ? f.at : `${path}.${f.at}`;
  return path;
}

/** The JSON path of the value under `frames`, then `key`. */
function pathOf(frames: readonly Frame[], key: string): string {
  const path = pathAt(frames);
  return path === '' ? key : `${path}.${key}`;
}

/**
 * The JSON path (`requests[1].context.s3:prefix`) of the first key an object of `text` repeats, keys compared as JSON
 * reads them (`"\u0061"` is `a`); undefined when none does. `text` is valid JSON (it parsed).
 */
export function repeatedKey(text: string): string | undefined {
  const frames: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to the first quote after it that an odd number of backslashes does not escape.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        let b = j - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((j - b) % 2 === 1) break;
      }
      const top = frames[frames.length - 1];
      if (expectKey && top?.keys !== undefined) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys.has(key)) return pathOf(frames.slice(0, -1), key);
        top.keys.add(key);
        top.at = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      frames.push({ keys: new Set(), at: '' });
      expectKey = true;
    } else if (c === 0x5b) {
      frames.push({ keys: undefined, at: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
    } else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top?.keys !== undefined) expectKey = true;
      else if (top !== undefined) top.at = (top.at as number) + 1;
    }
  }
  return undefined;
}

/** Where a body passes `shapePast`'s bounds: the JSON path of the object or array, and which bound. */
export interface ShapePast {
  readonly path: string;
  readonly bound: 'depth' | 'items';
}

/**
 * The first object or array of `text` nested more than `maxDepth` deep (the body itself is level 1), or holding more
 * than `maxItems` elements or keys; undefined when none is. `text` is valid JSON (it parsed). `JSON.parse` reads any
 * depth and any length, but what reads the value after it does not: `JSON.stringify` and recursive walks overflow the
 * stack some 10,000 levels down, and a parser that refuses each bad element of a list of 16 million (`[1,1,…]`, 32 MiB)
 * builds 16 million errors, gigabytes, before anything is answered (review fd, 1 and 5). Only brackets, commas and
 * string bounds are looked at on the way (a 32 MiB apply in a fraction of its parse); the path is built only for a body
 * past a bound.
 */
export function shapePast(text: string, maxDepth: number, maxItems: number): ShapePast | undefined {
  // Where each open object or array starts; an object's last key (its opening quote) or an array's index; the commas
  // each has held.
  const opens: number[] = [];
  const at: number[] = [];
  const commas: number[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        let b = j - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((j - b) % 2 === 1) break;
      }
      if (expectKey) {
        at[at.length - 1] = i;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (opens.length === maxDepth) return { path: pathThrough(text, opens, at), bound: 'depth' };
      opens.push(i);
      at.push(c === 0x7b ? -1 : 0);
      commas.push(0);
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      opens.pop();
      at.pop();
      commas.pop();
    } else if (c === 0x2c) {
      const top = opens.length - 1;
      if (top < 0) continue;
      const n = (commas[top] as number) + 1;
      // n commas: n + 1 elements.
      if (n >= maxItems) return { path: pathThrough(text, opens.slice(0, -1), at), bound: 'items' };
      commas[top] = n;
      if (text.charCodeAt(opens[top] as number) === 0x7b) expectKey = true;
      else at[top] = (at[top] as number) + 1;
    }
  }
  return undefined;
}

/** The path `shapePast` names: each open object's key (read from its quote at `at`) or array's index. */
function pathThrough(text: string, opens: readonly number[], at: readonly number[]): string {
  const frames: Frame[] = opens.map((o, n) => {
    const a = at[n] as number;
    if (text.charCodeAt(o) === 0x5b) return { keys: undefined, at: a };
    let j = a;
    for (;;) {
      j = text.indexOf('"', j + 1);
      let b = j - 1;
      while (text.charCodeAt(b) === 0x5c) b--;
      if ((j - b) % 2 === 1) break;
    }
    return { keys: new Set<string>(), at: JSON.parse(text.slice(a, j + 1)) as string };
  });
  return pathAt(frames);
}
