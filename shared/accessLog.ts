/**
 * The access log: one JSON line on stdout per GraphQL request a service answered, whatever
 * LOG_LEVEL says (ACCESS_LOG=on|off is its own switch). Its fields are the whole vocabulary: the
 * request id, the operation as its bounded root field names, the operation's name when it is a
 * valid GraphQL Name (cut at 64), the HTTP status, the answer's code, the duration and the
 * principal id (`viewer.id`, or null). Never a value, a variable, a path, a token or a header.
 */
export interface AccessLogEntry {
  requestId: string;
  /** Root field names of the operation, sorted and comma-joined; "invalid" or "unknown" when there is none. */
  operation: string;
  operationName: string | null;
  status: number;
  code: string;
  durationMs: number;
  principal: string | null;
}

const NAME_RE = /^[_A-Za-z][_0-9A-Za-z]*$/;
const MAX_NAME = 64;

/** The operation's own name if it is a GraphQL Name (it is client-chosen: nothing else is logged), cut at 64. */
export function loggableOperationName(name: string | undefined | null): string | null {
  if (!name || !NAME_RE.test(name)) return null;
  return name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name;
}

/** A batch is written at once past this size; otherwise at the end of the event loop turn. */
const FLUSH_CHARS = 64 * 1024;
/** Logs holding lines not yet written: the process's exit writes them (a crash loses at most one turn's). */
const unwritten = new Set<AccessLog>();
let exitHooked = false;

/**
 * Lines are written once per event loop turn, together: one write (a system call to stdout) per
 * request was ~2 % of a subgraph's CPU on `encrypt`. They keep their order.
 */
export class AccessLog {
  /** The line's constant head (`service` is ours, fixed at start). */
  private readonly head: string;
  private batch = '';
  private readonly flushNow = () => this.flush();

  constructor(service: string, private readonly out: { write(line: string): unknown } = process.stdout) {
    this.head = `","level":"info","service":${JSON.stringify(service)},"msg":"request","requestId":`;
  }

  /**
   * The same line JSON.stringify wrote of the entry (same keys, order and escaping), built without
   * the intermediate object: it is written on every request.
   */
  write(e: AccessLogEntry): void {
    const line = `{"t":"${new Date().toISOString()}${this.head}${JSON.stringify(e.requestId)},"operation":${JSON.stringify(e.operation)}`
      + `,"operationName":${json(e.operationName)},"status":${json(e.status)},"code":${JSON.stringify(e.code)}`
      + `,"durationMs":${json(e.durationMs)},"principal":${json(e.principal)}}\n`;
    if (this.batch === '') {
      setImmediate(this.flushNow);
      unwritten.add(this);
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', () => unwritten.forEach((l) => l.flush()));
      }
    }
    this.batch += line;
    if (this.batch.length >= FLUSH_CHARS) this.flush();
  }

  /** Writes the lines held so far (done by itself each turn and at exit). */
  flush(): void {
    if (this.batch === '') return;
    const lines = this.batch;
    this.batch = '';
    unwritten.delete(this);
    this.out.write(lines);
  }
}

/** JSON of a field value: null for null/undefined and for a non-finite number, as JSON.stringify writes it in an object. */
function json(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);
}
