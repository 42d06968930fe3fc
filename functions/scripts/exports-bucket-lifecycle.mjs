// `node scripts/exports-bucket-lifecycle.mjs --bucket <name> [--apply]`: the exports bucket's lifecycle rule.
// Export files (exports/<uid>/<id>.<format>) are personal data; their signed download URLs last 24 hours
// (EXPORT_URL_TTL_MS), so Cloud Storage deletes them a day after that. Without --apply it prints the lifecycle it would
// set; with --apply it sets it on the bucket (Application Default Credentials: `gcloud auth application-default login`
// or a CI service account with roles/storage.admin on the bucket), keeping the bucket's rules for other prefixes.
import { pathToFileURL } from 'node:url';

/** Days after creation an export file is deleted: the 24 h URL, plus a day for a download that started late. */
export const EXPORT_FILE_DAYS = 2;
export const EXPORTS_PREFIX = 'exports/';

/** The rule, in the JSON API's shape (also what `gcloud storage buckets update --lifecycle-file` reads under "rule"). */
export function exportsLifecycleRule() {
  return { action: { type: 'Delete' }, condition: { age: EXPORT_FILE_DAYS, matchesPrefix: [EXPORTS_PREFIX] } };
}

/** The bucket's rules with ours in place of any earlier rule for the same prefix (running twice changes nothing). */
export function mergedRules(existing = []) {
  const ours = exportsLifecycleRule();
  const others = existing.filter(
    (rule) => JSON.stringify(rule.condition?.matchesPrefix ?? []) !== JSON.stringify(ours.condition.matchesPrefix),
  );
  return [...others, ours];
}

async function main() {
  const args = process.argv.slice(2);
  const bucketName = args[args.indexOf('--bucket') + 1];
  if (!args.includes('--bucket') || !bucketName) {
    console.error('usage: node scripts/exports-bucket-lifecycle.mjs --bucket <name> [--apply]');
    process.exit(2);
  }
  if (!args.includes('--apply')) {
    console.log(JSON.stringify({ bucket: bucketName, lifecycle: { rule: mergedRules() } }, null, 2));
    return;
  }
  const { Storage } = await import('@google-cloud/storage');
  const bucket = new Storage().bucket(bucketName);
  const [metadata] = await bucket.getMetadata();
  const rule = mergedRules(metadata.lifecycle?.rule ?? []);
  await bucket.setMetadata({ lifecycle: { rule } });
  console.log(`gs://${bucketName}: lifecycle set (${rule.length} rule${rule.length === 1 ? '' : 's'})`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`✖ ${error.message}`);
    process.exit(1);
  });
}
