import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The README's text from heading `heading` to the next heading of the same or a higher level. */
export function section(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const rest = README.slice(at + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first ```ts block of a README section, as written. */
export function tsBlock(heading: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(section(heading));
  if (!m) throw new Error(`README.md: no \`\`\`ts block in "${heading}"`);
  return m[1]!;
}
