// Values put into MLflow filter strings: quoted, with the quote and the
// backslash escaped, so a name or id can never end the string early.
export function quoteFilterString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// A LIKE pattern that matches `text` literally anywhere (% and _ escaped).
export function containsPattern(text: string): string {
  return quoteFilterString(`%${text.replace(/\\/g, '\\\\').replace(/[%_]/g, (c) => `\\${c}`)}%`);
}
