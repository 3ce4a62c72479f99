/*
 * Child process of `npm run bench`: runs the subgraphs (platform, secrets, one kms per region of
 * KMS_REGIONS) of a LocalStack, without a gateway, so that the gateway under measurement and the
 * load generator (parent process) do not share an event loop with them. Tells the parent its env
 * (URLs and shared secrets, over IPC only) and stops when asked, when the parent goes away, or
 * after a hard time limit.
 */
import '../shared/telemetryOff';
import { LocalStack } from '../test/support/localStack';

const HARD_LIMIT_MS = 5 * 60_000;

interface StartMessage {
  cmd: 'start';
  keyPrefix: string;
  redisUrl: string;
  env: Record<string, string>;
}

let stack: LocalStack | null = null;
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack?.stop().catch(() => undefined);
  process.exit(code);
}

process.on('message', (msg: StartMessage | { cmd: 'stop' }) => {
  if (msg.cmd === 'stop') {
    void stop(0);
    return;
  }
  if (msg.cmd !== 'start' || stack) return;
  stack = new LocalStack({ keyPrefix: msg.keyPrefix, redisUrl: msg.redisUrl, env: msg.env, kms: true, secrets: true, gateway: false });
  stack.start().then(
    (s) => process.send?.({ cmd: 'ready', env: s.baseEnv }),
    (err: Error) => {
      process.stderr.write(`bench subgraphs failed to start: ${err.message}\n`);
      void stop(1);
    },
  );
});
process.on('disconnect', () => void stop(0));
setTimeout(() => void stop(3), HARD_LIMIT_MS).unref();
