import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/**
 * The audit archive's file format and its offline verifier (Node only: not part of the browser
 * entry). The platform's archiver writes with these helpers and `smk audit verify` /
 * `npm run audit:verify` check with them, so both sides agree by construction.
 *
 * Layout: `<dir>/<project>/<YYYY-MM-DD>.jsonl`, one JSON object a line:
 * `{"seq":n,"prev":sha256(previous line),...event}`; the first line's `prev` is the SHA-256 of
 * `genesisLine(project, day)`. A complete day ends with
 * `{"digest":{"lines":n,"last":sha256(last line),"mac":HMAC-SHA256(key, project\nday\nn\nlast)}}`.
 */

export const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function genesisLine(project: string, day: string): string {
  return `secrets-kms audit archive\nproject=${project}\nday=${day}`;
}

/** AUDIT_ARCHIVE_KEY's bytes, or a key derived from INTERNAL_SECRET with HKDF-SHA256. */
export function archiveKey(archiveKeyValue: string | null | undefined, internalSecret: string | null | undefined): Buffer {
  if (archiveKeyValue) return Buffer.from(archiveKeyValue, 'utf8');
  if (!internalSecret) throw new Error('no archive key: set AUDIT_ARCHIVE_KEY or INTERNAL_SECRET');
  return Buffer.from(hkdfSync('sha256', Buffer.from(internalSecret, 'utf8'), Buffer.from('secrets-kms audit archive', 'utf8'), Buffer.from('digest mac v1', 'utf8'), 32));
}

/** The key from the environment, with the service's rules (each at least 32 characters). */
export function archiveKeyFromEnv(env: Record<string, string | undefined>): Buffer {
  const own = env.AUDIT_ARCHIVE_KEY?.trim() || null;
  const internal = env.INTERNAL_SECRET?.trim() || null;
  if (own !== null && own.length < 32) throw new Error('AUDIT_ARCHIVE_KEY must be at least 32 characters');
  if (own === null && (internal === null || internal.length < 32)) throw new Error('set AUDIT_ARCHIVE_KEY or INTERNAL_SECRET (at least 32 characters) to check the digests');
  return archiveKey(own, internal);
}

export function digestMac(key: Buffer, project: string, day: string, lines: number, last: string): string {
  return createHmac('sha256', key).update(`${project}\n${day}\n${lines}\n${last}`).digest('hex');
}

export function digestLine(key: Buffer, project: string, day: string, lines: number, last: string): string {
  return JSON.stringify({ digest: { lines, last, mac: digestMac(key, project, day, lines, last) } });
}

export type ProblemKind = 'deleted' | 'altered' | 'reordered' | 'inserted' | 'digest' | 'malformed';

export interface Problem {
  /** Path relative to the verified directory. */
  file: string;
  /** 1-based line number in the file as it is now. */
  line: number;
  kind: ProblemKind;
  message: string;
}

export interface VerifyReport {
  files: number;
  lines: number;
  problems: Problem[];
}

/** Verifies an archive root (`<dir>/<project>/*.jsonl`) or one project's directory. */
export function verifyArchive(dir: string, key: Buffer): VerifyReport {
  const report: VerifyReport = { files: 0, lines: 0, problems: [] };
  const projectDirs = readdirSync(dir).some((f) => DAY_FILE.test(f))
    ? [dir]
    : readdirSync(dir).map((f) => join(dir, f)).filter((p) => statSync(p).isDirectory()).sort();
  for (const pdir of projectDirs) {
    const project = basename(pdir);
    const days = readdirSync(pdir).filter((f) => DAY_FILE.test(f)).sort();
    days.forEach((f, i) => {
      const rel = relative(dir, join(pdir, f)) || f;
      const r = verifyDayFile(readFileSync(join(pdir, f)), project, DAY_FILE.exec(f)![1], key, i < days.length - 1);
      report.files++;
      report.lines += r.lines;
      for (const p of r.problems) report.problems.push({ file: rel, ...p });
    });
  }
  return report;
}

/**
 * One day's file. `mustBeComplete`: a later day exists, so this one must end with its digest
 * (days are closed in order).
 */
export function verifyDayFile(content: Buffer, project: string, day: string, key: Buffer, mustBeComplete: boolean): { lines: number; problems: Omit<Problem, 'file'>[] } {
  const problems: Omit<Problem, 'file'>[] = [];
  const add = (line: number, kind: ProblemKind, message: string) => {
    if (!problems.some((p) => p.line === line && p.kind === kind)) problems.push({ line, kind, message });
  };
  const text = content.toString('utf8');
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  else add(raw.length, 'malformed', `line ${raw.length} is incomplete (no newline at the end)`);

  const parsed = raw.map((l) => {
    try {
      const v = JSON.parse(l) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  });
  const digestAt = parsed.findIndex((p) => p !== null && 'digest' in p);
  const eventCount = digestAt === -1 ? raw.length : digestAt;
  for (let i = digestAt + 1; digestAt !== -1 && i < raw.length; i++) add(i + 1, 'inserted', `line ${i + 1} comes after the digest line`);

  const hashes = raw.slice(0, eventCount).map((l) => sha256Hex(l));
  const at = new Map<string, number>();
  hashes.forEach((h, i) => at.set(h, i));
  const genesis = sha256Hex(genesisLine(project, day));
  let skip = 0;
  for (let i = 0; i < eventCount; i++) {
    const p = parsed[i];
    if (p === null) {
      add(i + 1, 'altered', `line ${i + 1} is not a JSON object`);
      continue;
    }
    if (p.project !== project) add(i + 1, 'altered', `line ${i + 1} names another project`);
    const expected = i === 0 ? genesis : hashes[i - 1];
    if (skip > 0) {
      skip--;
      if (p.prev !== expected) continue;
    }
    if (p.prev === expected) continue;
    const twoBack = i === 1 ? genesis : i >= 2 ? hashes[i - 2] : null;
    const ref = typeof p.prev === 'string' ? at.get(p.prev) : undefined;
    if (twoBack !== null && p.prev === twoBack) {
      add(i, 'inserted', `line ${i} was inserted: line ${i + 1} follows line ${i - 1}`);
    } else if (ref !== undefined) {
      add(i + 1, 'reordered', `line ${i + 1} is out of order: it follows line ${ref + 1}`);
      // A swap of two neighbours also breaks the next two links the way an insertion would.
      if (ref === i + 1) skip = 2;
    } else {
      const seq = typeof p.seq === 'number' ? p.seq : null;
      const before = i === 0 ? 0 : typeof parsed[i - 1]?.seq === 'number' ? (parsed[i - 1]!.seq as number) : null;
      if (seq !== null && before !== null && seq > before + 1) {
        add(i + 1, 'deleted', `${seq - before - 1} line(s) deleted before line ${i + 1} (seq ${before + 1}${seq - before > 2 ? `..${seq - 1}` : ''} missing)`);
      } else if (i === 0) add(1, 'altered', 'line 1 was altered: it does not chain to the genesis of its project and day');
      else add(i, 'altered', `line ${i} was altered: line ${i + 1} does not chain to it`);
    }
  }

  if (digestAt === -1) {
    if (mustBeComplete) add(raw.length + 1, 'digest', 'the digest line is missing (a later day exists, so this day is complete)');
    return { lines: raw.length, problems };
  }
  const d = parsed[digestAt]!.digest as Record<string, unknown> | null;
  const lines = typeof d?.lines === 'number' ? d.lines : -1;
  const last = typeof d?.last === 'string' ? d.last : '';
  const mac = typeof d?.mac === 'string' ? d.mac : '';
  const want = Buffer.from(digestMac(key, project, day, lines, last), 'hex');
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    add(digestAt + 1, 'digest', `the digest on line ${digestAt + 1} has a wrong MAC (forged, altered, or another key)`);
  }
  const chainProblems = problems.some((p) => p.kind !== 'digest');
  if (lines > eventCount) {
    if (!chainProblems) add(eventCount + 1, 'deleted', `${lines - eventCount} line(s) deleted at the end (the digest counts ${lines})`);
  } else if (lines >= 0 && lines < eventCount) {
    if (!chainProblems) add(eventCount, 'inserted', `line ${eventCount} was inserted (the digest counts ${lines})`);
  } else if (eventCount > 0 && hashes[eventCount - 1] !== last && !chainProblems) {
    add(eventCount, 'altered', `line ${eventCount} was altered: it does not match the digest`);
  }
  return { lines: raw.length, problems };
}

/** Text report for the CLI and the npm script; resolves to the exit code (0 = clean). */
export function runVerify(dir: string, env: Record<string, string | undefined>, out: { write(s: string): unknown }, err: { write(s: string): unknown }): number {
  let key: Buffer;
  let report: VerifyReport;
  try {
    key = archiveKeyFromEnv(env);
    report = verifyArchive(dir, key);
  } catch (e) {
    err.write(`audit verify: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  for (const p of report.problems) out.write(`${p.file}:${p.line}: ${p.kind}: ${p.message}\n`);
  out.write(`${report.files} file(s), ${report.lines} line(s): ${report.problems.length === 0 ? 'ok' : `${report.problems.length} problem(s)`}\n`);
  return report.problems.length === 0 ? 0 : 1;
}
