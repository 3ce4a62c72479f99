import { GLOBAL_OPTIONS, type OptionSpecs } from './args';
import { usageLine, type Command } from './command';

/** The command groups, in help order; commands of no group (encrypt, run, …) follow them. */
export const GROUPS: Record<string, string> = {
  secret: 'secrets: path-addressed values, encrypted under a KMS key',
  key: 'KMS keys of a region',
  token: 'API tokens of your project',
};

const WIDTH = 100;

function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function optionLines(options: OptionSpecs): string {
  const heads = Object.entries(options).map(([name, o]) => [`--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`, o.help]);
  const width = Math.max(...heads.map(([h]) => h.length));
  return heads.map(([h, text]) => `  ${h.padEnd(width)}  ${text}`).join('\n');
}

const CONFIGURATION = [
  'configuration',
  '  SMK_URL     gateway endpoint (default http://127.0.0.1:4000/graphql)',
  '  SMK_TOKEN   API token',
  '  SMK_REGION  region to act in (default: the gateway\'s default region)',
  '  --url, --token and --region override them.',
].join('\n');

const EXIT_CODES = [
  'exit codes',
  '  0  done',
  '  1  failed: `CODE: message (request id …)` on stderr',
  '  2  usage error: the problem and the command\'s usage line on stderr',
  '  smk run exits with its command\'s exit code',
].join('\n');

export function globalHelp(commands: Command[]): string {
  const sections: string[] = ['smk: the command line of the Secrets Manager + KMS', '', 'usage: smk <command> [arguments] [options]'];
  const grouped = new Set<Command>();
  for (const [group, title] of Object.entries(GROUPS)) {
    const members = commands.filter((c) => c.name.startsWith(`${group} `));
    members.forEach((c) => grouped.add(c));
    sections.push('', title, ...members.map((c) => `  ${usageLine(c)}\n${wrap(c.summary, '      ')}`));
  }
  const rest = commands.filter((c) => !grouped.has(c));
  sections.push('', 'crypto, audit and running programs', ...rest.map((c) => `  ${usageLine(c)}\n${wrap(c.summary, '      ')}`));
  sections.push('', 'options of every command', optionLines(GLOBAL_OPTIONS), '', CONFIGURATION, '', EXIT_CODES, '', 'Run `smk <command> --help` for a command\'s options.');
  return `${sections.join('\n')}\n`;
}

export function groupHelp(group: string, commands: Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return `${GROUPS[group]}\n\n${members.map((c) => `  ${usageLine(c)}\n${wrap(c.summary, '      ')}`).join('\n')}\n\nRun \`smk ${group} <command> --help\` for a command's options.\n`;
}

export function commandHelp(c: Command): string {
  const sections = [`usage: ${usageLine(c)}`, '', wrap(c.summary, '')];
  if (c.details) sections.push('', wrap(c.details, ''));
  if (c.options && Object.keys(c.options).length > 0) sections.push('', 'options', optionLines(c.options));
  sections.push('', 'options of every command', optionLines(GLOBAL_OPTIONS), '', CONFIGURATION);
  return `${sections.join('\n')}\n`;
}
