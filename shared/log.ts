import type { Config } from './config';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
type Level = Exclude<keyof typeof LEVELS, 'silent'>;

/**
 * Structured one-line JSON logs. Callers pass only identifiers and codes: never plaintext,
 * ciphertext, tokens or key material (the fields below are the whole vocabulary).
 */
export interface LogFields {
  service?: string;
  requestId?: string;
  region?: string;
  code?: string;
  err?: string;
  [key: string]: string | number | boolean | undefined | null;
}

export class Logger {
  private readonly threshold: number;
  constructor(private readonly service: string, level: Config['logLevel']) {
    this.threshold = LEVELS[level];
  }
  private write(level: Level, msg: string, fields?: LogFields) {
    if (LEVELS[level] < this.threshold) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level, service: this.service, msg, ...fields });
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  }
  debug(msg: string, f?: LogFields) { this.write('debug', msg, f); }
  info(msg: string, f?: LogFields) { this.write('info', msg, f); }
  warn(msg: string, f?: LogFields) { this.write('warn', msg, f); }
  error(msg: string, f?: LogFields) { this.write('error', msg, f); }
}
