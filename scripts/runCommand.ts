/**
 * How every operations command ends: its exit code, or `<name>: <message>` on stderr and 1 when it
 * throws (messages name what went wrong, never a value).
 */
export function runCommand(name: string, main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${name}: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
