/**
 * A JSON Schema validator for the subset the repository's schemas use: type (one or a list,
 * "integer" included), enum, required, properties, additionalProperties: false, items, minimum,
 * minLength, pattern. Any other keyword is refused, so a schema cannot silently outgrow it.
 */
type Schema = Record<string, unknown>;
const KNOWN = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'minLength',
  'pattern',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeOf(v) === t;
}

/** The problems of `value` against `schema`, each with its JSON path; empty when it is valid. */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`${path}: schema keyword ${k} is not supported by this validator`);
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${path}: ${typeOf(value)}, expected ${types.join(' or ')}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value)))
    problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: ${value} < ${schema.minimum}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      problems.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) for (const [i, v] of value.entries()) problems.push(...validate(schema.items as Schema, v, `${path}[${i}]`));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) problems.push(`${path}: ${r} is missing`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) problems.push(...validate(props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property ${k}`);
    }
  }
  return problems;
}
