/** Where a command's output goes; main() gives it the process's streams. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function writeJson(io: Io, doc: unknown): void {
  io.stdout.write(`${JSON.stringify(doc, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v), 2)}\n`);
}

/** Aligned columns with a header row; null/undefined print as `-`; an empty listing prints only `(none)`. */
export function writeTable(io: Io, headers: string[], rows: Array<Array<string | number | boolean | null | undefined>>): void {
  if (rows.length === 0) {
    io.stdout.write('(none)\n');
    return;
  }
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  for (const r of cells) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

/** The whole of stdin as bytes (values and plaintext are taken exactly as given). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
