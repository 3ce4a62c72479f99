import { runVerify } from '@secrets-kms/client/dist/node/auditVerify';

/**
 * `npm run audit:verify -- <dir>`: checks an audit archive's hash chains and digest MACs (key from
 * AUDIT_ARCHIVE_KEY, or derived from INTERNAL_SECRET as the platform does). Exit 0 = clean.
 */
const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  process.stderr.write('usage: npm run audit:verify -- <archive dir>\n');
  process.exit(2);
}
process.exitCode = runVerify(dir, process.env, process.stdout, process.stderr);
