// Which preview an artifact gets, and a small CSV reader (quoted fields,
// doubled quotes, CRLF) for showing the first rows as a table.

export type PreviewKind = 'image' | 'csv' | 'text' | 'binary';

// Not SVG: artifacts are served as application/octet-stream, which <img> will not render as SVG.
const images = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'];
const texts = ['txt', 'log', 'json', 'yaml', 'yml', 'md', 'py', 'mlmodel', 'toml', 'cfg', 'ini', 'xml', 'html', 'sh', 'r', 'sql', 'jsonl'];

export function previewKind(path: string): PreviewKind {
  const name = path.split('/').pop() ?? '';
  if (name === 'MLmodel' || name === 'requirements.txt' || name === 'conda.yaml') return 'text';
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  if (images.includes(ext)) return 'image';
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (texts.includes(ext) || ext === '') return 'text';
  return 'binary';
}

export function parseCsv(text: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const sep = text.split('\n', 1)[0].includes('\t') && !text.split('\n', 1)[0].includes(',') ? '\t' : ',';
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if ((field !== '' || row.length) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
