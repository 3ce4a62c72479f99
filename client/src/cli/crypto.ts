import { stringOption } from './args';
import type { Command, CommandContext } from './command';
import { UsageError } from './errors';
import { readAll, writeJson } from './output';

const cryptoOptions = {
  key: { type: 'string', value: 'K', help: 'the symmetric KMS key (required)' },
  aad: { type: 'string', value: 'A', help: 'associated data (UTF-8 text): decryption needs the same' },
} as const;

function keyAndAad(ctx: CommandContext): { keyIdentity: string; associatedData?: Uint8Array } {
  const keyIdentity = stringOption(ctx.values, 'key');
  if (!keyIdentity) throw new UsageError('--key is required', ctx.usage);
  const aad = stringOption(ctx.values, 'aad');
  return { keyIdentity, associatedData: aad === undefined ? undefined : new TextEncoder().encode(aad) };
}

async function stdinBytes(ctx: CommandContext, what: string): Promise<Buffer> {
  if (ctx.io.stdin.isTTY) throw new UsageError(`give the ${what} on stdin (a pipe or a file)`, ctx.usage);
  return readAll(ctx.io.stdin);
}

export const cryptoCommands: Command[] = [
  {
    name: 'encrypt',
    synopsis: '--key K [--aad A] < plaintext > ciphertext',
    summary: 'encrypt stdin (raw bytes, ≤ 64 KiB) and print the ciphertext',
    details: 'Prints the ciphertext (`kms:v<N>:…`) and a newline.',
    options: cryptoOptions,
    async run(ctx) {
      const { keyIdentity, associatedData } = keyAndAad(ctx);
      const plaintext = await stdinBytes(ctx, 'plaintext');
      const result = await ctx.client().encrypt({ input: { keyIdentity, plaintext, associatedData } });
      if (ctx.json) return writeJson(ctx.io, result);
      ctx.io.stdout.write(`${result.ciphertext}\n`);
    },
  },
  {
    name: 'decrypt',
    synopsis: '--key K [--aad A] < ciphertext > plaintext',
    summary: 'decrypt the ciphertext on stdin and write the plaintext bytes',
    details: 'Reads a ciphertext as `smk encrypt` prints it (surrounding whitespace is ignored) and writes exactly the plaintext bytes. With --json the plaintext is base64.',
    options: cryptoOptions,
    async run(ctx) {
      const { keyIdentity, associatedData } = keyAndAad(ctx);
      const ciphertext = (await stdinBytes(ctx, 'ciphertext')).toString('utf8').trim();
      if (!ciphertext) throw new UsageError('stdin holds no ciphertext', ctx.usage);
      const result = await ctx.client().decrypt({ input: { keyIdentity, ciphertext, associatedData } });
      if (ctx.json) return writeJson(ctx.io, result);
      ctx.io.stdout.write(result.plaintext);
    },
  },
];
