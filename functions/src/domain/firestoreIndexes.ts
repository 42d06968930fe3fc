/**
 * Can Firestore (Standard edition) serve a query with the indexes in firestore.indexes.json plus the ones it builds
 * by itself? Pure: no Firebase imports. The unit tier records every query the code issues through the DocumentStore
 * port and checks each here (test/support/queryRecorder.ts), because the emulator serves any query, indexed or not,
 * and production answers FAILED_PRECONDITION "The query requires an index".
 *
 * The rules, from Firebase's documentation:
 * - Automatic indexing (https://firebase.google.com/docs/firestore/query-data/index-overview#automatic_indexing):
 *   for every field Firestore keeps collection-scope single-field indexes, ascending and descending, and an
 *   array-contains one for arrays. "Single-field indexes with collection group scope are not maintained by default."
 * - Single-field index exemptions (same page, and https://firebase.google.com/docs/reference/firestore/indexes):
 *   a `fieldOverrides` entry replaces the automatic settings for that field of that collection group with exactly
 *   the `indexes` it lists (queryScope defaults to COLLECTION); `indexes: []` leaves the field unindexed, which is
 *   what the TTL fields here use. Subfields of a map inherit their parent's exemption; `*` covers every field of the
 *   group that has no exemption of its own.
 * - Index merging (index-overview, "Index merging"): queries with only equality clauses (==, in, array-contains)
 *   are served by merging the single-field indexes; queries with several equality clauses and an orderBy can merge
 *   composite indexes that each hold some of the equality fields followed by the same sort fields.
 * - Composite indexes (index-overview, "Composite indexes"): anything that sorts or range-filters on a field besides
 *   its equality fields needs an index whose fields are the equality fields (any order; array-contains as CONTAINS)
 *   followed by the sort fields in the query's order and directions. The query's sort order is its orderBy, then
 *   every inequality field it does not name, in lexicographic order, with the direction of the last orderBy or
 *   ascending, then __name__ (StructuredQuery.order_by, https://firebase.google.com/docs/firestore/reference/rest/v1/StructuredQuery).
 * - Collection group queries (https://firebase.google.com/docs/firestore/query-data/queries#collection-group-query)
 *   need indexes with queryScope COLLECTION_GROUP, single-field ones through a field override.
 * Directions are matched exactly, as Firestore creates separate ascending and descending indexes for that reason.
 */

export type QueryScope = 'COLLECTION' | 'COLLECTION_GROUP';
export type FilterOp =
  '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not-in' | 'array-contains' | 'array-contains-any';
type Order = 'ASCENDING' | 'DESCENDING';
type Mode = Order | 'CONTAINS';

/** What about a query decides its index: not the values. */
export interface QueryShape {
  /** The collection id (the last segment of the collection path), or the collection group id. */
  readonly collectionGroup: string;
  readonly scope: QueryScope;
  readonly filters: ReadonlyArray<{ readonly field: string; readonly op: FilterOp }>;
  readonly orderBy: ReadonlyArray<{ readonly field: string; readonly direction: 'asc' | 'desc' }>;
  /** How many cursor values (startAfter), if any. */
  readonly cursor?: number;
  readonly limit?: boolean;
}

export interface IndexFile {
  readonly indexes: readonly CompositeIndex[];
  readonly fieldOverrides?: readonly FieldOverride[];
}
export interface CompositeIndex {
  readonly collectionGroup: string;
  readonly queryScope: QueryScope;
  readonly fields: ReadonlyArray<{
    readonly fieldPath: string;
    readonly order?: Order;
    readonly arrayConfig?: 'CONTAINS';
    readonly vectorConfig?: unknown;
  }>;
}
export interface FieldOverride {
  readonly collectionGroup: string;
  readonly fieldPath: string;
  readonly ttl?: boolean;
  readonly indexes: ReadonlyArray<{
    readonly order?: Order;
    readonly arrayConfig?: 'CONTAINS';
    readonly queryScope?: QueryScope;
  }>;
}

/** The shape of a DocumentStore query: `query(collectionPath, spec)` or `queryGroup(collectionId, spec)`. */
export function shapeOf(
  collection: string,
  group: boolean,
  spec: {
    readonly where?: ReadonlyArray<readonly [string, FilterOp, unknown]>;
    readonly orderBy?: ReadonlyArray<{ readonly field: string; readonly direction?: 'asc' | 'desc' }>;
    readonly limit?: number;
    readonly startAfter?: readonly unknown[];
  },
): QueryShape {
  return {
    collectionGroup: group ? collection : collection.split('/').filter(Boolean).at(-1)!,
    scope: group ? 'COLLECTION_GROUP' : 'COLLECTION',
    filters: (spec.where ?? []).map(([field, op]) => ({ field, op })),
    orderBy: (spec.orderBy ?? []).map(({ field, direction }) => ({ field, direction: direction ?? 'asc' })),
    ...(spec.startAfter ? { cursor: spec.startAfter.length } : {}),
    ...(spec.limit !== undefined ? { limit: true } : {}),
  };
}

/** One line: `messages (group) where senderId == · order by createdAt asc · limit`. */
export function describeShape(shape: QueryShape): string {
  const parts = [`${shape.collectionGroup}${shape.scope === 'COLLECTION_GROUP' ? ' (collection group)' : ''}`];
  if (shape.filters.length) parts.push(`where ${shape.filters.map((f) => `${f.field} ${f.op}`).join(', ')}`);
  if (shape.orderBy.length) parts.push(`order by ${shape.orderBy.map((o) => `${o.field} ${o.direction}`).join(', ')}`);
  if (shape.cursor) parts.push(`start after ${shape.cursor} value(s)`);
  if (shape.limit) parts.push('limit');
  return parts.join(' · ');
}

/** Equal for queries that differ only in values or filter order. */
export function shapeKey(shape: QueryShape): string {
  const filters = shape.filters.map((f) => `${f.field} ${f.op}`).sort();
  return JSON.stringify([
    shape.scope,
    shape.collectionGroup,
    filters,
    shape.orderBy.map((o) => `${o.field} ${o.direction}`),
    shape.cursor ?? 0,
    !!shape.limit,
  ]);
}

const EQUALITY: ReadonlySet<FilterOp> = new Set(['==', 'in']);
const CONTAINS: ReadonlySet<FilterOp> = new Set(['array-contains', 'array-contains-any']);
const INEQUALITY: ReadonlySet<FilterOp> = new Set(['<', '<=', '>', '>=', '!=', 'not-in']);
const NAME = '__name__';

/** What an index must hold to serve a query: equality fields (any order) then the sort fields, in order. */
export interface Requirement {
  readonly scope: QueryScope;
  readonly collectionGroup: string;
  readonly equality: ReadonlyArray<{ readonly field: string; readonly mode: 'VALUE' | 'CONTAINS' }>;
  readonly order: ReadonlyArray<{ readonly field: string; readonly order: Order }>;
}

export function requirementOf(shape: QueryShape): Requirement {
  const order: Array<{ field: string; order: Order }> = shape.orderBy
    .filter((o) => o.field !== NAME)
    .map((o) => ({ field: o.field, order: o.direction === 'desc' ? 'DESCENDING' : 'ASCENDING' }));
  // Inequality fields the orderBy does not name follow it, by field name, in the last orderBy's direction.
  const direction: Order = shape.orderBy.at(-1)?.direction === 'desc' ? 'DESCENDING' : 'ASCENDING';
  const implicit = [
    ...new Set(shape.filters.filter((f) => INEQUALITY.has(f.op) && f.field !== NAME).map((f) => f.field)),
  ]
    .filter((field) => !order.some((o) => o.field === field))
    .sort();
  order.push(...implicit.map((field) => ({ field, order: direction })));
  const sorted = new Set(order.map((o) => o.field));
  const equality = new Map<string, { field: string; mode: 'VALUE' | 'CONTAINS' }>();
  for (const { field, op } of shape.filters) {
    if (field === NAME) continue;
    if (EQUALITY.has(op) && !sorted.has(field)) equality.set(`${field} VALUE`, { field, mode: 'VALUE' });
    if (CONTAINS.has(op)) equality.set(`${field} CONTAINS`, { field, mode: 'CONTAINS' });
  }
  return { scope: shape.scope, collectionGroup: shape.collectionGroup, equality: [...equality.values()], order };
}

/** The single-field index modes a field has in a collection group and scope: its override, inherited, or automatic. */
export function singleFieldModes(
  file: IndexFile,
  collectionGroup: string,
  fieldPath: string,
  scope: QueryScope,
): ReadonlySet<Mode> {
  const override = overrideFor(file, collectionGroup, fieldPath);
  if (!override) return new Set<Mode>(scope === 'COLLECTION' ? ['ASCENDING', 'DESCENDING', 'CONTAINS'] : []);
  return new Set(
    override.indexes
      .filter((i) => (i.queryScope ?? 'COLLECTION') === scope)
      .map((i): Mode => i.arrayConfig ?? i.order ?? 'ASCENDING'),
  );
}

/** The exemption that governs a field: its own, else its nearest parent map's, else the group's `*`. */
export function overrideFor(file: IndexFile, collectionGroup: string, fieldPath: string): FieldOverride | undefined {
  const overrides = (file.fieldOverrides ?? []).filter((o) => o.collectionGroup === collectionGroup);
  const segments = fieldPath.split('.');
  for (let n = segments.length; n > 0; n--) {
    const found = overrides.find((o) => o.fieldPath === segments.slice(0, n).join('.'));
    if (found) return found;
  }
  return overrides.find((o) => o.fieldPath === '*');
}

interface Candidate {
  readonly label: string;
  readonly fields: ReadonlyArray<{ readonly field: string; readonly mode: Mode }>;
}

function candidates(file: IndexFile, req: Requirement): Candidate[] {
  const out: Candidate[] = [];
  for (const index of file.indexes) {
    if (index.collectionGroup !== req.collectionGroup || index.queryScope !== req.scope) continue;
    if (index.fields.some((f) => f.vectorConfig !== undefined)) continue;
    const fields = index.fields.map((f) => ({
      field: f.fieldPath,
      mode: (f.arrayConfig ?? f.order ?? 'ASCENDING') as Mode,
    }));
    if (fields.at(-1)?.field === NAME) fields.pop();
    out.push({
      label: `index ${req.collectionGroup} (${fields.map((f) => `${f.field} ${f.mode}`).join(', ')})`,
      fields,
    });
  }
  const fields = new Set([...req.equality.map((e) => e.field), ...req.order.map((o) => o.field)]);
  for (const field of fields) {
    for (const mode of singleFieldModes(file, req.collectionGroup, field, req.scope)) {
      out.push({
        label: `single-field ${req.collectionGroup}.${field} ${mode}${req.scope === 'COLLECTION_GROUP' ? ' (collection group)' : ''}`,
        fields: [{ field, mode }],
      });
    }
  }
  return out;
}

export type Verdict =
  | { readonly served: true; readonly by: readonly string[] }
  | {
      readonly served: false;
      readonly reason: string;
      readonly add: { readonly indexes?: CompositeIndex[]; readonly fieldOverrides?: FieldOverride[] };
    };

export function checkQuery(shape: QueryShape, file: IndexFile): Verdict {
  const req = requirementOf(shape);
  // No filters and no sort: the built-in document-name index.
  if (req.equality.length === 0 && req.order.length === 0) return { served: true, by: ['built-in __name__ index'] };
  // Candidates: indexes whose fields are some of the equality fields followed by exactly the sort fields.
  const usable: Array<{ label: string; covers: Set<string> }> = [];
  for (const c of candidates(file, req)) {
    const prefix = c.fields.slice(0, c.fields.length - req.order.length);
    const suffix = c.fields.slice(c.fields.length - req.order.length);
    if (c.fields.length < req.order.length) continue;
    if (!suffix.every((f, i) => f.field === req.order[i]!.field && f.mode === req.order[i]!.order)) continue;
    const covers = new Set<string>();
    const fits = prefix.every((f) => {
      const eq = req.equality.find((e) => e.field === f.field && (e.mode === 'CONTAINS') === (f.mode === 'CONTAINS'));
      if (eq) covers.add(`${eq.field} ${eq.mode}`);
      return !!eq;
    });
    if (fits && new Set(prefix.map((f) => f.field)).size === prefix.length) usable.push({ label: c.label, covers });
  }
  const needed = req.equality.map((e) => `${e.field} ${e.mode}`);
  if (req.equality.length === 0) {
    const exact = usable.find((u) => u.covers.size === 0);
    if (exact) return { served: true, by: [exact.label] };
  } else {
    // Index merging: together the chosen indexes hold every equality field (greedy is enough to decide coverage).
    const by: string[] = [];
    const covered = new Set<string>();
    for (const u of [...usable].sort((a, b) => b.covers.size - a.covers.size)) {
      if ([...u.covers].some((k) => !covered.has(k))) {
        by.push(u.label);
        u.covers.forEach((k) => covered.add(k));
      }
    }
    if (needed.every((k) => covered.has(k))) return { served: true, by };
  }
  return { served: false, ...missing(file, req) };
}

/** What to add to firestore.indexes.json: single-field overrides where one field suffices, else a composite index. */
function missing(
  file: IndexFile,
  req: Requirement,
): { reason: string; add: { indexes?: CompositeIndex[]; fieldOverrides?: FieldOverride[] } } {
  const single: Array<{ field: string; mode: Mode }> =
    req.order.length === 0
      ? req.equality.map((e) => ({ field: e.field, mode: e.mode === 'CONTAINS' ? 'CONTAINS' : 'ASCENDING' }))
      : req.equality.length === 0 && req.order.length === 1
        ? [{ field: req.order[0]!.field, mode: req.order[0]!.order }]
        : [];
  if (single.length > 0) {
    const lacking = single.filter(({ field, mode }) => {
      const modes = singleFieldModes(file, req.collectionGroup, field, req.scope);
      if (mode === 'CONTAINS') return !modes.has('CONTAINS');
      // An equality filter can use either direction; a sort needs its own.
      return req.order.length === 0 ? !modes.has('ASCENDING') && !modes.has('DESCENDING') : !modes.has(mode);
    });
    const fieldOverrides = lacking.map(({ field, mode }) =>
      withIndex(file, req.collectionGroup, field, mode, req.scope),
    );
    const why = lacking.map(({ field, mode }) => {
      const o = overrideFor(file, req.collectionGroup, field);
      const scope = req.scope === 'COLLECTION_GROUP' ? 'collection-group scope' : 'collection scope';
      return o
        ? `${req.collectionGroup}.${field} has no ${mode} ${scope} index (its field override ${o.collectionGroup}.${o.fieldPath}${o.ttl ? ' (TTL)' : ''} lists ${o.indexes.length ? o.indexes.map((i) => `${i.arrayConfig ?? i.order} ${i.queryScope ?? 'COLLECTION'}`).join(', ') : 'no indexes'})`
        : `${req.collectionGroup}.${field} has no ${mode} ${scope} index (collection-group single-field indexes are not automatic)`;
    });
    return { reason: why.join('; '), add: { fieldOverrides } };
  }
  const index: CompositeIndex = {
    collectionGroup: req.collectionGroup,
    queryScope: req.scope,
    fields: [
      ...req.equality.map((e) =>
        e.mode === 'CONTAINS'
          ? { fieldPath: e.field, arrayConfig: 'CONTAINS' as const }
          : { fieldPath: e.field, order: 'ASCENDING' as const },
      ),
      ...req.order.map((o) => ({ fieldPath: o.field, order: o.order })),
    ],
  };
  return {
    reason: `needs a composite index${req.scope === 'COLLECTION_GROUP' ? ' with collection-group scope' : ''} (${index.fields.map((f) => `${f.fieldPath} ${f.arrayConfig ?? f.order}`).join(', ')})`,
    add: { indexes: [index] },
  };
}

/** The field's override with one more index: an override replaces the automatic settings, so it keeps those too. */
function withIndex(
  file: IndexFile,
  collectionGroup: string,
  fieldPath: string,
  mode: Mode,
  scope: QueryScope,
): FieldOverride {
  const existing = file.fieldOverrides?.find((o) => o.collectionGroup === collectionGroup && o.fieldPath === fieldPath);
  const indexes = existing
    ? [...existing.indexes]
    : overrideFor(file, collectionGroup, fieldPath)
      ? []
      : [
          { order: 'ASCENDING' as const, queryScope: 'COLLECTION' as const },
          { order: 'DESCENDING' as const, queryScope: 'COLLECTION' as const },
        ];
  indexes.push(
    mode === 'CONTAINS' ? { arrayConfig: 'CONTAINS', queryScope: scope } : { order: mode, queryScope: scope },
  );
  return { collectionGroup, fieldPath, ...(existing?.ttl !== undefined ? { ttl: existing.ttl } : {}), indexes };
}

/** What the deploy (or the Admin API behind it) refuses that firebase-tools' own validator lets through. */
export function indexFileProblems(file: IndexFile): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const index of file.indexes) {
    const fields = index.fields.filter((f, i) => !(f.fieldPath === NAME && i === index.fields.length - 1));
    const key = JSON.stringify([
      index.collectionGroup,
      index.queryScope,
      fields.map((f) => [f.fieldPath, f.order ?? f.arrayConfig ?? 'vector']),
    ]);
    const label = `${index.collectionGroup} ${index.queryScope} (${fields.map((f) => `${f.fieldPath} ${f.order ?? f.arrayConfig ?? 'vector'}`).join(', ')})`;
    if (seen.has(key)) problems.push(`composite index declared twice: ${label}`);
    seen.add(key);
    if (fields.length < 2 && !fields.some((f) => f.vectorConfig !== undefined))
      problems.push(`a composite index needs two fields or more (use a field override for one): ${label}`);
    if (new Set(fields.map((f) => f.fieldPath)).size !== fields.length)
      problems.push(`a field appears twice in ${label}`);
    if (fields.filter((f) => f.arrayConfig).length > 1) problems.push(`more than one array-contains field in ${label}`);
  }
  const overrides = new Set<string>();
  for (const o of file.fieldOverrides ?? []) {
    const key = `${o.collectionGroup}.${o.fieldPath}`;
    if (overrides.has(key)) problems.push(`field override declared twice: ${key}`);
    overrides.add(key);
    const modes = o.indexes.map((i) => `${i.arrayConfig ?? i.order} ${i.queryScope ?? 'COLLECTION'}`);
    if (new Set(modes).size !== modes.length) problems.push(`field override ${key} lists an index twice`);
  }
  return problems;
}
