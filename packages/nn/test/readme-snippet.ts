import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The first ```ts block after the README heading `heading` (e.g. '## Using the library'). */
export function readmeBlock(heading: string): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (!m) throw new Error(`README.md: no \`\`\`ts block after "${heading}"`);
  return m[1]!;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

/**
 * Runs a README code block as written: its `import { … } from 'pkg'` lines become reads from
 * `modules[pkg]` (so a test can hand in the sources, or a reference backend for
 * '@tapegrad/kernels-wasm'), TypeScript types are stripped by the compiler (ES2022 class fields,
 * as the packages are built), and `globals` are in scope. Returns the values of `expose` names
 * declared by the block.
 */
export async function runReadmeBlock(code: string, modules: Record<string, object>, globals: Record<string, unknown>, expose: readonly string[]): Promise<Record<string, unknown>> {
  const body = code.replace(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)';?$/gm, (_all, names: string, mod: string) => {
    if (!(mod in modules)) throw new Error(`README block imports '${mod}', which the test does not provide`);
    const kept = names.split(',').map((s) => s.trim()).filter((s) => s && !s.startsWith('type '));
    for (const k of kept) if (!(k in (modules[mod] as Record<string, unknown>))) throw new Error(`README block imports ${k} from '${mod}', which does not export it`);
    return `const { ${kept.join(', ')} } = __modules[${JSON.stringify(mod)}];`;
  });
  if (/^\s*import\s/m.test(body)) throw new Error('README block has an import the test cannot rewrite');
  const js = ts.transpileModule(`${body}\nreturn { ${expose.join(', ')} };`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, useDefineForClassFields: true },
    reportDiagnostics: false,
  }).outputText;
  const fn = new AsyncFunction('__modules', ...Object.keys(globals), js);
  return (await fn(modules, ...Object.values(globals))) as Record<string, unknown>;
}
