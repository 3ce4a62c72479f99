// Runs in every jest worker before the tests: isolates this worker's Redis keys and keeps
// Apollo from phoning home (the network is closed).
process.env.APOLLO_TELEMETRY_DISABLED = '1';
const run = process.env.TEST_RUN_PREFIX ?? `test:adhoc${process.pid}:`;
process.env.REDIS_KEY_PREFIX = `${run}w${process.env.JEST_WORKER_ID ?? '0'}:`;
