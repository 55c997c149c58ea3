/**
 * An esbuild plugin for the CLI's bundle: zod and drizzle-orm are evaluated at their first use
 * instead of when the bundle starts. esbuild evaluates a bundled module's imports when it evaluates
 * the module, so the registry's imports of them would cost every command their start-up (zod's
 * alone is several milliseconds), though only writes (validation), migrations and `db check` use
 * them; reads need the registry's names, columns and relations only.
 *
 * Our modules' imports of these packages get a stand-in module instead: each export a proxy that
 * loads the package (bundled, through require(), which esbuild evaluates on its first call) at its
 * first use and forwards to it: calls, `new`, properties (`z.string`, `sql.raw`) and instanceof
 * (`x instanceof z.ZodObject` reads the real class). Only functions and objects can be deferred: an
 * import of an export of another kind is an error at build time (esbuild finds no such export).
 */
import type { Plugin } from 'esbuild'

const DEFERRED = /^(zod|drizzle-orm(\/[a-z-]+)?)$/

/** The stand-in for `specifier`: its function and object exports, as proxies of the real ones. */
async function standIn(specifier: string): Promise<string> {
  const real: Record<string, unknown> = await import(specifier)
  const lines = [
    'let loaded',
    `const load = () => (loaded ??= require(${JSON.stringify(specifier)}))`,
    'const defer = (name, target) => new Proxy(target, {',
    '  get: (_, key) => Reflect.get(load()[name], key),',
    '  has: (_, key) => Reflect.has(load()[name], key),',
    '  getPrototypeOf: () => Reflect.getPrototypeOf(load()[name]),',
    '  apply: (_, self, args) => Reflect.apply(load()[name], self, args),',
    '  construct: (_, args, newTarget) =>',
    '    Reflect.construct(load()[name], args, newTarget === target ? load()[name] : newTarget)',
    '})'
  ]
  for (const [name, value] of Object.entries(real)) {
    if (name === 'default' || !/^[A-Za-z_$][\w$]*$/.test(name)) continue
    const target =
      typeof value === 'function' ? 'function () {}' : typeof value === 'object' ? '{}' : undefined
    // exported under its name through a local one: some names (`catch`, `function`) are keywords
    if (target && value !== null)
      lines.push(
        `const $${name} = /* @__PURE__ */ defer('${name}', ${target})`,
        `export { $${name} as ${name} }`
      )
  }
  return lines.join('\n')
}

/** Defers zod and drizzle-orm for modules under `ownDir` (see the top of this file). */
export function deferredPackages(ownDir: string, resolveDir: string): Plugin {
  return {
    name: 'deferred-packages',
    setup(plugin) {
      plugin.onResolve({ filter: DEFERRED }, (args) =>
        args.importer.startsWith(ownDir) ? { path: args.path, namespace: 'deferred' } : undefined
      )
      plugin.onLoad({ filter: /.*/, namespace: 'deferred' }, async (args) => ({
        contents: await standIn(args.path),
        resolveDir,
        loader: 'js'
      }))
    }
  }
}
