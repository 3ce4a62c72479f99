import { runVerify } from '../node/auditVerify';
import { integerOption, stringOption } from './args';
import type { Command } from './command';
import { writeJson, writeTable } from './output';

export const auditCommands: Command[] = [
  {
    name: 'audit',
    synopsis: '[--request-id R] [--resource X] [--actor A] [--action A] [--limit N]',
    summary: 'show audit events of your project, newest first',
    details: 'Resources are named `secret:<path>`, `kms-key:<region>/<identity>`, `token:<id>`; actors as `smk token list` / viewer.id shows them.',
    options: {
      'request-id': { type: 'string', value: 'R', help: 'events of one request (x-request-id)' },
      resource: { type: 'string', value: 'X', help: 'events about one resource' },
      actor: { type: 'string', value: 'A', help: 'events of one principal' },
      action: { type: 'string', value: 'A', help: 'one action, e.g. secrets.get_value' },
      limit: { type: 'string', value: 'N', help: 'at most N events (default 100)' },
    },
    async run(ctx) {
      const limit = integerOption(ctx.values, 'limit', ctx.usage) ?? 100;
      const filter = {
        requestId: stringOption(ctx.values, 'request-id'),
        resource: stringOption(ctx.values, 'resource'),
        actor: stringOption(ctx.values, 'actor'),
        action: stringOption(ctx.values, 'action'),
      };
      const events = [];
      for await (const e of ctx.client().paginate.auditEvents({ filter, first: Math.min(limit, 100) })) {
        events.push(e);
        if (events.length >= limit) break;
      }
      if (ctx.json) return writeJson(ctx.io, events);
      writeTable(ctx.io, ['TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'VIA', 'RESOURCE', 'REQUEST ID', 'ERROR'], events.map((e) => [e.time, e.action, e.outcome, e.actor, e.via, e.resource, e.requestId, e.errorCode]));
    },
  },  {
    name: 'audit verify',
    synopsis: '<dir>',
    summary: 'check an audit archive (AUDIT_ARCHIVE_DIR): reports deleted, altered, reordered or inserted lines and bad digests',
    details: 'Reads the files offline; the digest key is AUDIT_ARCHIVE_KEY, or derived from INTERNAL_SECRET as the platform derives it. Exit code 1 on any problem.',
    positionals: ['dir'],
    async run(ctx) {
      return runVerify(ctx.args.dir, ctx.io.env, ctx.io.stdout, ctx.io.stderr);
    },
  },
];
