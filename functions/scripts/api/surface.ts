import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Reads the callables' wrappers (src/functions/*.ts) as source: for each `export const name = callable(...)`, the
 * module and export its input schema is loaded from (`inputFrom(loader, 'export')`) and the options the wrapper
 * enforces (access, App Check, call limit, secrets). The wrappers keep these in closures (the schema is loaded on the
 * first call), so the source is where they can be read without running the functions; the reference test checks the
 * names found here against the deploy surface.
 */
export interface CallableSource {
  name: string;
  file: string;
  /** Absolute path of the module holding the input schema (as imported, .js → .ts). */
  inputModule: string;
  inputExport: string;
  access: 'own' | 'reach' | 'erasure';
  appCheck: 'enforce' | 'consume';
  /** A key of CALL_LIMITS, or `{module, export}` for a limit loaded with inputFrom. */
  limit?: { callLimitsKey: string } | { module: string; export: string };
  secrets?: string;
  summary?: string;
}

type Value = string | { spreadOf: string } | { ref: string } | { module: string; export: string } | undefined;

export function readCallables(functionsDir: string): CallableSource[] {
  const out: CallableSource[] = [];
  for (const fileName of readdirSync(functionsDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const file = join(functionsDir, fileName);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const consts = new Map<string, ts.Expression>();
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations) {
        if (ts.isIdentifier(decl.name) && decl.initializer) consts.set(decl.name.text, decl.initializer);
      }
    }
    const unwrap = (e: ts.Expression): ts.Expression =>
      ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e) ? unwrap(e.expression) : e;
    /** `() => import('x')` (or an identifier naming one) → the module's absolute path. */
    const loaderModule = (e: ts.Expression): string | undefined => {
      e = unwrap(e);
      if (ts.isIdentifier(e) && consts.has(e.text)) return loaderModule(consts.get(e.text)!);
      if (
        ts.isArrowFunction(e) &&
        ts.isCallExpression(e.body) &&
        e.body.expression.kind === ts.SyntaxKind.ImportKeyword
      ) {
        const arg = e.body.arguments[0];
        if (arg && ts.isStringLiteral(arg)) return resolve(functionsDir, arg.text.replace(/\.js$/, '.ts'));
      }
      return undefined;
    };
    const inputFromCall = (e: ts.Expression) => {
      e = unwrap(e);
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'inputFrom') return;
      const [loader, name] = e.arguments;
      const module = loader && loaderModule(loader);
      if (!module || !name || !ts.isStringLiteral(name)) return;
      return { module, export: name.text };
    };
    /** An options object literal, spreads of same-file consts followed, into plain values. */
    const options = (e: ts.Expression | undefined, acc: Record<string, Value> = {}): Record<string, Value> => {
      if (!e) return acc;
      e = unwrap(e);
      if (ts.isIdentifier(e) && consts.has(e.text)) return options(consts.get(e.text), acc);
      if (!ts.isObjectLiteralExpression(e)) return acc;
      /** A same-file const (`{ limit }`, `limit: scheduleLimit`) stands for its initializer. */
      const constValue = (v: ts.Expression) =>
        ts.isIdentifier(v) && consts.has(v.text) ? unwrap(consts.get(v.text)!) : v;
      for (const p of e.properties) {
        if (ts.isSpreadAssignment(p)) options(p.expression, acc);
        else if (ts.isShorthandPropertyAssignment(p)) {
          const v = constValue(p.name);
          acc[p.name.text] = ts.isPropertyAccessExpression(v) ? { ref: v.getText(source) } : inputFromCall(v);
        } else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) {
          const v = constValue(unwrap(p.initializer));
          if (ts.isStringLiteral(v)) acc[p.name.text] = v.text;
          else if (ts.isPropertyAccessExpression(v)) acc[p.name.text] = { ref: v.getText(source) };
          else acc[p.name.text] = inputFromCall(v);
        }
      }
      return acc;
    };
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      for (const decl of statement.declarationList.declarations) {
        const init = decl.initializer && unwrap(decl.initializer);
        if (!init || !ts.isCallExpression(init) || !ts.isIdentifier(init.expression)) continue;
        if (init.expression.text !== 'callable' || !ts.isIdentifier(decl.name)) continue;
        const name = decl.name.text;
        const input = inputFromCall(init.arguments[0]!);
        if (!input) throw new Error(`${fileName}: ${name}'s schema is not inputFrom(loader, 'name')`);
        const o = options(init.arguments[2]);
        const limit = o.limit;
        const ref = (v: Value) => (v && typeof v === 'object' && 'ref' in v ? v.ref : undefined);
        const limitRef = ref(limit);
        out.push({
          name,
          file: `src/functions/${fileName}`,
          inputModule: input.module,
          inputExport: input.export,
          access: ((typeof o.access === 'string' ? o.access : undefined) ?? 'own') as CallableSource['access'],
          appCheck: ((typeof o.appCheck === 'string' ? o.appCheck : undefined) ??
            'enforce') as CallableSource['appCheck'],
          ...(limitRef?.startsWith('CALL_LIMITS.')
            ? { limit: { callLimitsKey: limitRef.slice('CALL_LIMITS.'.length) } }
            : limit && typeof limit === 'object' && 'module' in limit
              ? { limit }
              : {}),
          ...(ref(o.secrets) ? { secrets: ref(o.secrets) } : {}),
        });
      }
    }
  }
  return out;
}
