/** The workspaces (tenants) this sample serves; the x-tenant header names one. */
export const TENANTS = ['acme', 'globex'] as const;
export type Tenant = (typeof TENANTS)[number];

export interface WorkspaceAgent {
  tenant: string;
  id: number;
  name: string;
}

/** How many agents each workspace starts with. */
export const AGENTS_PER_WORKSPACE = 3;
