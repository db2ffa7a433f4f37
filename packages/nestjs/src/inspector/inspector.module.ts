import { Controller, Module, UseGuards, type DynamicModule, type Type } from '@nestjs/common';
import { InspectorAssets } from './inspector.assets.js';
import { INSPECTOR_OPTIONS } from './inspector.constants.js';
import { InspectorController } from './inspector.controller.js';
import { InspectorAccessGuard } from './inspector.guard.js';
import { resolveInspectorOptions, type InspectorModuleOptions } from './inspector.options.js';
import { InspectorService } from './inspector.service.js';

/**
 * A subclass per module instance: the path is an option, and decorating the shared class would move
 * the routes of every other app in the process (tests start several).
 */
function controllerAt(path: string): Type<InspectorController> {
  @Controller(path)
  @UseGuards(InspectorAccessGuard)
  class MountedInspectorController extends InspectorController {}
  return MountedInspectorController;
}

/**
 * A live page of what the caches are doing: hit rates over time per cache and per decorated method,
 * L1 fill, L2 and breaker state, bus, loads, warmers (with a button to run one), the advice of
 * `CacheMetrics.report()`, and every instance of the fleet when the cache has Redis. Off unless
 * `enabled`; outside development it refuses to start without a `guard`.
 *
 * @example
 * InspectorModule.forRoot({
 *   enabled: true,
 *   path: '/_tiercache',
 *   guard: (req) => (req.headers['x-admin-token'] === process.env.ADMIN_TOKEN ? 'admin' : false),
 * })
 */
@Module({})
export class InspectorModule {
  static forRoot(options: InspectorModuleOptions = {}): DynamicModule {
    const resolved = resolveInspectorOptions(options);
    return {
      module: InspectorModule,
      // Nothing is mounted, sampled or published when the inspector is off.
      controllers: resolved.enabled ? [controllerAt(resolved.path)] : [],
      providers: resolved.enabled
        ? [{ provide: INSPECTOR_OPTIONS, useValue: resolved }, InspectorService, InspectorAssets, InspectorAccessGuard]
        : [],
    };
  }
}
