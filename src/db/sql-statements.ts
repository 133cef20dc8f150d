// Splits a migration script into statements. Both driver adapters run one statement per call inside
// a transaction (PGlite's extended protocol and pg's prepared path reject multi-statement strings),
// so the runner needs the script cut at top-level semicolons only: not inside quotes, quoted
// identifiers, dollar-quoted bodies or comments.
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(script, i);
    } else if (c === "'" || c === '"') {
      i = skipQuoted(script, i, c);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64));
      if (tag) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else i++;
    } else if (c === ';') {
      pushStatement(statements, script.slice(start, i));
      start = ++i;
    } else i++;
  }
  pushStatement(statements, script.slice(start));
  return statements;
}

function skipQuoted(s: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < s.length) {
    if (s[j] === quote) {
      if (s[j + 1] === quote)
        j += 2; // doubled quote is an escaped quote
      else return j + 1;
    } else j++;
  }
  return j;
}

function skipBlockComment(s: string, i: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let j = i;
  while (j < s.length) {
    if (s[j] === '/' && s[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (s[j] === '*' && s[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return j;
}

function pushStatement(out: string[], raw: string): void {
  const text = raw.trim();
  if (stripComments(text).trim() !== '') out.push(text);
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}
