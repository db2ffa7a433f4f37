export { InspectorModule } from './inspector.module.js';
export type { InspectorGuard, InspectorModuleOptions, InspectorRequest } from './inspector.options.js';
export { INSPECTOR_FORBIDDEN } from './inspector.guard.js';
export { INSPECTOR_NOT_CONFIRMED } from './inspector.controller.js';
export type {
  ActionView,
  AdviceView,
  CacheView,
  FleetView,
  HistoryPoint,
  HotKeysView,
  InspectorState,
  InstanceSummary,
  MethodView,
  WarmerView,
} from './state/inspector-state.js';
