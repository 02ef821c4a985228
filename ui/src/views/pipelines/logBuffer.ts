// A step's log as the viewer keeps it: chunks fetched by byte offset are
// appended, and only the last `cap` bytes (UTF-8) are kept; what was dropped
// is counted so the view can say so. Cuts never split a character.

export interface LogBuffer {
  text: string;
  bytes: number; // UTF-8 bytes of text
  dropped: number; // bytes dropped from the front
  offset: number; // the server's next_offset
  complete: boolean;
}

export const LOG_CAP = 1 << 20;

export const emptyLog = (): LogBuffer => ({ text: '', bytes: 0, dropped: 0, offset: 0, complete: false });

// The UTF-8 size of the character at s[i] and how many UTF-16 units it takes.
function charAt(s: string, i: number): [bytes: number, units: number] {
  const c = s.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) return [4, 2];
  return [3, 1]; // the rest of the BMP, or a lone surrogate (sent as U+FFFD: 3 bytes)
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const [b, u] = charAt(s, i);
    n += b;
    i += u;
  }
  return n;
}

// Drops whole characters from the front of `s` until at most `maxBytes` UTF-8
// bytes remain, then, when a line break is near (within 256 chars), starts at
// the next line. Returns the kept text and the bytes dropped.
export function keepTail(s: string, maxBytes: number): { text: string; dropped: number } {
  const total = utf8Length(s);
  if (total <= maxBytes) return { text: s, dropped: 0 };
  const drop = total - maxBytes;
  let i = 0;
  let dropped = 0;
  while (i < s.length && dropped < drop) {
    const [b, u] = charAt(s, i);
    dropped += b;
    i += u;
  }
  const nl = s.indexOf('\n', i);
  if (i > 0 && s[i - 1] !== '\n' && nl >= 0 && nl - i < 256) {
    dropped += utf8Length(s.slice(i, nl + 1));
    i = nl + 1;
  }
  return { text: s.slice(i), dropped };
}

export function appendChunk(buf: LogBuffer, chunk: { text: string; next_offset: number; complete: boolean }, cap = LOG_CAP): LogBuffer {
  const joined = buf.text + chunk.text;
  const { text, dropped } = keepTail(joined, cap);
  return {
    text,
    bytes: utf8Length(text),
    dropped: buf.dropped + dropped,
    offset: Math.max(buf.offset, chunk.next_offset),
    complete: chunk.complete,
  };
}
