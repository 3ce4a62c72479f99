// Imported first by the process entry: Apollo must never phone home (the network is closed, and
// this is a secrets service).
process.env.APOLLO_TELEMETRY_DISABLED = '1';
export {};
