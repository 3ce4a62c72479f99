// The one place the Apollo telemetry opt-out is set. Imported first by every process entry (through
// runService, or directly): Apollo must never phone home (the network is closed, and this is a
// secrets service).
process.env.APOLLO_TELEMETRY_DISABLED = '1';
export {};
