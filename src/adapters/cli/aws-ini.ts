/**
 * The AWS tools' shared config and credentials files, read as botocore reads them (review ev, 1): Python's
 * `configparser.RawConfigParser` (botocore/configloader.py `raw_config_parse`), then `build_profile_map` for the config
 * file. What that means, and what a reader of its own had missed, so that a profile the aws CLI uses was "in neither
 * file" or "had no keys" here:
 * - a line is a comment when it starts, after any indentation, with `#` or `;` (a `#` later in a line is part of the
 *   value: no inline comments);
 * - a line indented deeper than the key line before it continues that key's value (a long credential_process written
 *   over two lines); other indented lines are keys and section headers like any other;
 * - a key ends at the first `=` or `:`, and its name is read in lower case (`AWS_ACCESS_KEY_ID = …` is the key);
 * - a value that starts on the next line (`s3 =` then indented `addressing_style = path`) is a nested block, which
 *   no credential key is, and is left out;
 * - `[DEFAULT]`'s keys are every section's too, unless the section has its own;
 * - in the config file, `[default]` and any section `profile NAME` split as a shell would split it (`[profile   a]`,
 *   `[profile "my profile"]`, `[profile default]`) name a profile; when two sections name the same one, the later
 *   replaces the earlier. In the credentials file a section's name is the profile's, as written.
 * Where configparser (and so the aws CLI) refuses the whole file (a duplicate section or key, a line that is no key),
 * the rest is read here: a later duplicate key wins.
 */

export type IniSections = Map<string, Map<string, string>>;

/** Python's configparser `default_section`: its keys apply to every other section. */
const DEFAULT_SECTION = 'DEFAULT';

/** The sections of an INI file, each with its keys (lower case) and values, as configparser reads them. */
export function iniSections(text: string): IniSections {
  const raw = new Map<string, Map<string, string[]>>();
  const defaults = new Map<string, string[]>();
  let current: Map<string, string[]> | undefined;
  let option: string[] | undefined;
  let indent = 0;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const value = line.trim();
    if (value.startsWith('#') || value.startsWith(';')) continue;
    if (value === '') {
      // Kept inside a value that continues after it; trailing ones are dropped when the value is joined.
      option?.push('');
      continue;
    }
    const level = line.search(/\S/);
    if (current !== undefined && option !== undefined && level > indent) {
      option.push(value);
      continue;
    }
    indent = level;
    const head = /^\[(.+)\]/.exec(value);
    if (head !== null) {
      const name = head[1] as string;
      current = name === DEFAULT_SECTION ? defaults : (raw.get(name) ?? new Map<string, string[]>());
      if (name !== DEFAULT_SECTION) raw.set(name, current);
      option = undefined;
      continue;
    }
    const kv = /^(.*?)\s*[=:]\s*(.*)$/.exec(value);
    const key = kv?.[1]?.trimEnd().toLowerCase() ?? '';
    if (current === undefined || kv === null || key === '') {
      option = undefined;
      continue;
    }
    option = [(kv[2] ?? '').trim()];
    current.set(key, option);
  }
  const sections: IniSections = new Map();
  for (const [name, keys] of raw) {
    const joined = new Map<string, string>();
    for (const [key, lines] of [...defaults, ...keys]) {
      const v = lines.join('\n').trimEnd();
      // A nested block (`s3 =` and its indented keys): not a value any credential setting takes.
      if (v.startsWith('\n')) joined.delete(key);
      else joined.set(key, v);
    }
    sections.set(name, joined);
  }
  return sections;
}

/** The profiles of the config file: `[default]`, and `[profile NAME]` with NAME as a shell splits it (botocore's build_profile_map). */
export function configProfiles(sections: IniSections): IniSections {
  const profiles: IniSections = new Map();
  for (const [name, keys] of sections) {
    if (name.startsWith('profile')) {
      const parts = shellSplit(name);
      if (parts?.length === 2) profiles.set(parts[1] as string, keys);
    } else if (name === 'default') {
      profiles.set(name, keys);
    }
  }
  return profiles;
}

/** Python's `shlex.split` (POSIX mode, no comments); undefined where it raises (an unclosed quote, a trailing `\`). */
export function shellSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; ; i++) {
        if (i >= s.length) return undefined;
        const d = s[i] as string;
        if (d === '"') break;
        if (d === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) word += s[++i];
        else word += d;
      }
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined;
      word = (word ?? '') + s[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
