// Run params as the start dialog edits them: the spec's params (prefilled
// with their defaults) plus extra "name=value" lines, sent as text.

export function parseExtraParams(text: string): { params: Record<string, string>; errors: string[] } {
  const params: Record<string, string> = {};
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors.push(`line ${i + 1}: expected name=value, got '${line.slice(0, 40)}'`);
      return;
    }
    params[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return { params, errors };
}

// Only the params that differ from the spec's defaults, plus every extra one
// (the server fills in the defaults itself).
export function paramsToSend(defaults: Record<string, string>, edited: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(edited)) if (defaults[k] !== v) out[k] = v;
  return { ...out, ...extra };
}

export function fmtParams(params: Record<string, string> | undefined): string {
  return Object.entries(params ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
