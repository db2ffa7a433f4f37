import { BadRequestException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { TENANT_HEADER } from '../cache/cache-policy.js';
import { TENANTS } from './workspace-agent.js';

/**
 * Rejects a request that names no known workspace before anything reads the cache: guards run
 * before interceptors, so the tenant-scoped cache never sees a tenant the app does not serve (and a
 * request without one gets a 400, not the cache's E_TENANT_REQUIRED).
 */
@Injectable()
export class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const tenant = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[TENANT_HEADER];
    if (typeof tenant !== 'string' || !(TENANTS as readonly string[]).includes(tenant)) {
      throw new BadRequestException(`${TENANT_HEADER} must be one of ${TENANTS.join(', ')}`);
    }
    return true;
  }
}
