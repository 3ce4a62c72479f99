import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KmsKeyDump } from '../subgraphs/kms/store/keyBackup';
import type { SecretDump } from '../subgraphs/secrets/store/secretBackup';

/**
 * The backup file (JSON lines): a header, one record per KMS key or secret, and a trailer with
 * the SHA-256 of every byte before it. Records hold wrapped key material and ciphertexts only.
 */
export const BACKUP_FORMAT = 'secrets-manager-backup';
export const BACKUP_VERSION = 1;

export interface BackupCounts {
  kmsKeys: number;
  kmsKeyVersions: number;
  secrets: number;
  secretVersions: number;
  regions: string[];
  projects: string[];
}

export interface BackupHeader {
  type: 'header';
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  counts: BackupCounts;
}

export type BackupRecord = ({ type: 'kms-key' } & KmsKeyDump) | ({ type: 'secret' } & SecretDump);

export class BackupFileError extends Error {}

/**
 * Writes records to `<file>.tmp` (body first, so the header can carry the counts), then the
 * header, body and checksum into `<file>.tmp2`, fsync'd and renamed onto `file`: a crash never
 * leaves a file that looks complete.
 */
export async function writeBackupFile(file: string, records: AsyncIterable<BackupRecord>, createdAt: Date): Promise<BackupCounts> {
  const bodyPath = `${file}.body.tmp`;
  const outPath = `${file}.tmp`;
  const counts: BackupCounts = { kmsKeys: 0, kmsKeyVersions: 0, secrets: 0, secretVersions: 0, regions: [], projects: [] };
  const regions = new Set<string>();
  const projects = new Set<string>();
  const body = openSync(bodyPath, 'w', 0o600);
  try {
    for await (const r of records) {
      if (r.type === 'kms-key') {
        counts.kmsKeys++;
        counts.kmsKeyVersions += Object.keys(r.versions).length;
        regions.add(r.region);
      } else {
        counts.secrets++;
        counts.secretVersions += r.order.length;
      }
      projects.add(r.project);
      writeSync(body, JSON.stringify(r) + '\n');
    }
  } finally {
    closeSync(body);
  }
  counts.regions = [...regions].sort();
  counts.projects = [...projects].sort();
  const header: BackupHeader = { type: 'header', format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: createdAt.toISOString(), counts };
  const hash = createHash('sha256');
  const out = openSync(outPath, 'w', 0o600);
  try {
    const put = (b: Buffer) => {
      hash.update(b);
      writeSync(out, b);
    };
    put(Buffer.from(JSON.stringify(header) + '\n'));
    const src = openSync(bodyPath, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n = readSync(src, buf); n > 0; n = readSync(src, buf)) put(buf.subarray(0, n));
    } finally {
      closeSync(src);
    }
    writeSync(out, JSON.stringify({ type: 'checksum', sha256: hash.digest('hex') }) + '\n');
    fsyncSync(out);
  } finally {
    closeSync(out);
    rmSync(bodyPath, { force: true });
  }
  renameSync(outPath, file);
  return counts;
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/**
 * Checks the whole file before anything is restored: header format and version, the checksum
 * over every byte before the trailer, and that the records match the header's counts.
 * Throws BackupFileError for a damaged, truncated or foreign file.
 */
export async function verifyBackupFile(file: string): Promise<BackupHeader> {
  const hash = createHash('sha256');
  let header: BackupHeader | null = null;
  let trailer: { type?: string; sha256?: string } | null = null;
  let keys = 0;
  let secrets = 0;
  let n = 0;
  for await (const line of lines(file)) {
    if (trailer) throw new BackupFileError('backup file has data after its checksum line');
    let parsed: { type?: string; sha256?: string };
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new BackupFileError(`backup file line ${n + 1} is not JSON`);
    }
    if (n === 0) {
      const h = parsed as BackupHeader;
      if (h.type !== 'header' || h.format !== BACKUP_FORMAT) throw new BackupFileError('not a backup file (no header)');
      if (h.version !== BACKUP_VERSION) throw new BackupFileError(`backup format version ${String(h.version)} is not supported (expected ${BACKUP_VERSION})`);
      header = h;
    } else if (parsed.type === 'checksum') {
      trailer = parsed;
      continue;
    } else if (parsed.type === 'kms-key') keys++;
    else if (parsed.type === 'secret') secrets++;
    else throw new BackupFileError(`backup file line ${n + 1} has an unknown record type`);
    hash.update(line + '\n');
    n++;
  }
  if (!header) throw new BackupFileError('backup file is empty');
  if (!trailer || typeof trailer.sha256 !== 'string') throw new BackupFileError('backup file has no checksum line (truncated?)');
  if (hash.digest('hex') !== trailer.sha256) throw new BackupFileError('backup file checksum does not match (damaged)');
  if (keys !== header.counts.kmsKeys || secrets !== header.counts.secrets) throw new BackupFileError('backup file records do not match its header counts');
  return header;
}

/** The records of a verified file, in order. */
export async function* backupRecords(file: string): AsyncGenerator<BackupRecord> {
  let first = true;
  for await (const line of lines(file)) {
    if (first) {
      first = false;
      continue;
    }
    const r = JSON.parse(line) as BackupRecord | { type: 'checksum' };
    if (r.type === 'checksum') return;
    yield r;
  }
}
