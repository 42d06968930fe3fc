/**
 * JSON Schema (the subset zod 4's `z.toJSONSchema` emits) → a TypeScript type expression. Used for the typed client
 * (client/src/generated.ts) and the reference's readable types, so both say exactly what the schemas say.
 * `tsType` (zod `.meta({tsType})`) names a type outright (Firestore `Timestamp`).
 */
export type JsonSchema = {
  [key: string]: unknown;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  tsType?: string;
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k: string) => (IDENT.test(k) ? k : JSON.stringify(k));
const paren = (t: string) => (/[|&]/.test(t) && !/^[{(]/.test(t) ? `(${t})` : t);

export function toTs(schema: JsonSchema | boolean | undefined, indent = ''): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema.tsType === 'string') return schema.tsType;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(union.map((s) => toTs(s, indent)))].join(' | ');
  if (schema.allOf) return schema.allOf.map((s) => paren(toTs(s, indent))).join(' & ');
  if (Array.isArray(schema.type))
    return schema.type.map((t) => toTs({ ...schema, type: t } as JsonSchema, indent)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (schema.prefixItems) return `[${schema.prefixItems.map((s) => toTs(s, indent)).join(', ')}]`;
      return `Array<${toTs(schema.items, indent)}>`;
    case 'object':
      return objectTs(schema, indent);
    default:
      return 'unknown';
  }
}

function objectTs(schema: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const extra = schema.additionalProperties;
  const names = schema.propertyNames;
  if (props.length === 0) {
    if (extra && typeof extra === 'object') {
      const value = toTs(extra, indent);
      if (names?.enum) return `Partial<Record<${toTs(names)}, ${value}>>`;
      return `Record<string, ${value}>`;
    }
    return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  }
  const lines = props.map(([name, s]) => {
    const doc = s.description ? `${inner}/** ${s.description.replace(/\*\//g, '* /')} */\n` : '';
    return `${doc}${inner}${key(name)}${required.has(name) ? '' : '?'}: ${toTs(s, inner)};`;
  });
  // A loose object (`additionalProperties: {}`) keeps unknown keys; a plain z.object strips them, so says nothing.
  if (extra && typeof extra === 'object') lines.push(`${inner}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}
