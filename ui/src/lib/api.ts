// The one way the UI talks to the server: fetch + JSON, with the server's
// error message kept (Ferry's {"error": {"code", "message"}} and MLflow's
// {"error_code", "message"} shapes both).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorFromBody(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  const ferry = b.error as { code?: string; message?: string } | undefined;
  if (ferry && typeof ferry === 'object') {
    return new ApiError(status, ferry.code ?? String(status), ferry.message ?? `HTTP ${status}`);
  }
  if (typeof b.error_code === 'string') {
    return new ApiError(status, b.error_code, String(b.message ?? `HTTP ${status}`));
  }
  if (typeof b.error === 'string') return new ApiError(status, String(status), b.error);
  return new ApiError(status, String(status), `HTTP ${status}`);
}

type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((item) => q.append(k, item));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// Who is acting: sent as X-Ferry-User so the registry's audit log names
// them (until the auth issue gives real identities). Kept in localStorage.
const USER_KEY = 'ferry.user';
export function currentUser(): string {
  try {
    return localStorage.getItem(USER_KEY) ?? '';
  } catch {
    return '';
  }
}
export function setCurrentUser(name: string): void {
  try {
    if (name.trim()) localStorage.setItem(USER_KEY, name.trim());
    else localStorage.removeItem(USER_KEY);
  } catch {
    /* storage disabled: stay anonymous */
  }
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, signal, headers: {} };
  const user = currentUser();
  if (user) (init.headers as Record<string, string>)['X-Ferry-User'] = user;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let resp: Response;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'UNAVAILABLE', `the server did not answer (${(e as Error).message})`);
  }
  const text = await resp.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      if (!resp.ok) throw new ApiError(resp.status, String(resp.status), text.slice(0, 300));
      throw new ApiError(resp.status, 'BAD_RESPONSE', `the server answered something that is not JSON`);
    }
  }
  if (!resp.ok) throw errorFromBody(resp.status, parsed);
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body?: unknown, signal?: AbortSignal) => request<T>('POST', path, body ?? {}, signal),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string, body?: unknown) => request<T>('DELETE', path, body),
  text: async (path: string, query?: Query, signal?: AbortSignal): Promise<string> => {
    const resp = await fetch(withQuery(path, query), { signal });
    const text = await resp.text();
    if (!resp.ok) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ApiError(resp.status, String(resp.status), text.slice(0, 300));
      }
      throw errorFromBody(resp.status, parsed);
    }
    return text;
  },
};

// The first `maxBytes` of a file, read as a stream and cut there (a multi-GB
// log is never downloaded whole for a preview).
export async function textPrefix(path: string, maxBytes: number, signal?: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  const resp = await fetch(path, { signal });
  if (!resp.ok) {
    const body = await resp.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ApiError(resp.status, String(resp.status), body.slice(0, 300));
    }
    throw errorFromBody(resp.status, parsed);
  }
  if (!resp.body) return { text: '', truncated: false };
  const reader = resp.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const all = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.length, all.length - at));
    all.set(part, at);
    at += part.length;
    if (at >= all.length) break;
  }
  // A cut inside a UTF-8 sequence decodes to U+FFFD at the very end only.
  return { text: new TextDecoder().decode(all), truncated };
}

export const mlflow = (path: string) => `/ajax-api/2.0/mlflow/${path}`;
