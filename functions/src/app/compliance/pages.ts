import type { DocSnapshot, DocumentStore, QuerySpec } from '../../ports.js';

export interface TimePageOptions {
  /** Inclusive lower bound on the time field. */
  from?: Date;
  /** Inclusive upper bound. */
  to?: Date;
  pageSize?: number;
  /** Defaults to createdAt. */
  field?: string;
  where?: QuerySpec['where'];
  /** Query the collection group with this id instead of one collection. */
  group?: boolean;
}

/**
 * Pages through a collection oldest first by a time field, a page at a time, so memory stays bounded whatever the
 * collection's size. The cursor is `field >= last time`, skipping the documents already seen at exactly that time:
 * documents that share a timestamp across a page boundary are neither lost nor repeated, and the same code works on
 * Firestore and the in-memory store (cursors on the document id differ between the two).
 */
export async function* pagesByTime(
  store: DocumentStore,
  collection: string,
  options: TimePageOptions = {},
): AsyncGenerator<DocSnapshot[]> {
  const field = options.field ?? 'createdAt';
  const pageSize = options.pageSize ?? 500;
  let lowerBound = options.from;
  let seenAtBound = new Set<string>();
  for (;;) {
    const where: Array<readonly [string, '>=' | '<=', unknown]> = [];
    if (lowerBound) where.push([field, '>=', lowerBound]);
    if (options.to) where.push([field, '<=', options.to]);
    const spec: QuerySpec = {
      where: [...(options.where ?? []), ...where],
      orderBy: [{ field }],
      limit: pageSize + seenAtBound.size,
    };
    const rows = options.group ? await store.queryGroup(collection, spec) : await store.query(collection, spec);
    const fresh = rows.filter((row) => !seenAtBound.has(row.path));
    if (fresh.length > 0) yield fresh;
    if (rows.length < (spec.limit ?? 0)) return;
    const last = rows.at(-1)!.data![field] as Date;
    const atLast = rows.filter((row) => (row.data![field] as Date).getTime() === last.getTime()).map((row) => row.path);
    seenAtBound =
      lowerBound && lowerBound.getTime() === last.getTime() ? new Set([...seenAtBound, ...atLast]) : new Set(atLast);
    lowerBound = last;
  }
}
