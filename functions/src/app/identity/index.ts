import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { EmailStatusSync } from './emailStatus.js';
import { StaffRoles } from './staffRoles.js';

/**
 * `services.identity`: the profile's email and its verification, kept true to Firebase Auth (emailStatus.ts); the
 * caller-role claims and their mirror on the profile (staffRoles.ts).
 */
export function identityServices(
  infra: Pick<Infra, 'store' | 'clock' | 'accounts' | 'logger'>,
  _settings: Record<string, never>,
  shared: { audit: AuditLog },
) {
  return {
    emailStatus: new EmailStatusSync(infra.store, infra.clock, shared.audit, infra.accounts, infra.logger),
    staffRoles: new StaffRoles(infra.store, shared.audit, infra.accounts),
  };
}
