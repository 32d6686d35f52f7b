#!/usr/bin/env node
// Fails (exit 1) when any runtime import cycle exists in packages/*/src or apps/*/src, by the rules
// of .dependency-cruiser.cjs. Run by `npm test` before turbo; alone: `node scripts/check-cycles.mjs
// [dir ...]` (default: every packages/*/src and apps/*/src).
// NOTE: it calls dependency-cruiser's API, not its CLI: the CLI refuses Node 20 (it follows the
// Node release cycle, engines ^22), while the API runs on it, and this repository supports Node >= 20.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));

function sourceDirs() {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const src = join(base, name, 'src');
      if (existsSync(src)) dirs.push(relative(root, src));
    }
  }
  return dirs;
}

/** The `error` violations of .dependency-cruiser.cjs in dirs, as printable chains, and the module count. */
async function cycles(dirs) {
  const { options, forbidden } = config;
  const result = await cruise(
    dirs,
    { ...options, baseDir: root, validate: true, ruleSet: { forbidden } },
    options.enhancedResolveOptions,
    // Read for its compiler options only (module resolution); the files come from `dirs`.
    { tsConfig: { options: {} } },
  );
  const { summary } = result.output;
  const chains = summary.violations
    .filter((v) => v.rule.severity === 'error')
    .map((v) => [v.from, ...(v.cycle ?? []).map((c) => (typeof c === 'string' ? c : c.name))].join(' → '));
  return { chains, modules: summary.totalCruised };
}

// Negative control: the fixture holds one runtime cycle (a.ts ↔ b.ts) beside a type-only import,
// so a check that cannot see cycles (a broken resolver, a changed rule) fails here instead of passing.
const fixture = 'scripts/fixtures/import-cycle';
const control = await cycles([fixture]);
if (control.chains.length === 0 || !control.chains.every((c) => c.includes('a.ts') && c.includes('b.ts') && !c.includes('c.ts'))) {
  console.error(`check-cycles: the negative control ${fixture} should report exactly the a.ts ↔ b.ts cycle, got: ${JSON.stringify(control.chains)}`);
  process.exit(1);
}

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => relative(root, join(process.cwd(), d))) : sourceDirs();
const { chains, modules } = await cycles(dirs);
if (chains.length > 0) {
  console.error(`check-cycles: ${chains.length} import cycle${chains.length === 1 ? '' : 's'} (rule no-circular, .dependency-cruiser.cjs):`);
  for (const c of chains) console.error(`  ${c}`);
  process.exit(1);
}
console.log(`check-cycles: no import cycles in ${modules} modules (${dirs.join(', ')}); the negative control ${fixture} was caught`);
