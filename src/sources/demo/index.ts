export { DemoFleet, DEFAULT_STEP_MS, MAX_POINTS, type DemoFleetOptions, type ServiceState } from './fleet';
export { FLEET_ACTION_KINDS, type FleetAction, type FleetActionKind, type RecordedFleetAction } from './actions';
export { DEMO_SERVICES, DEMO_SERVICE_NAMES, MAX_REPLICAS, MIN_REPLICAS, type DemoServiceSpec } from './catalog';
export {
  CYCLE_MS,
  INCIDENT_KINDS,
  INCIDENT_LABELS,
  INCIDENT_PLAN,
  type IncidentInfo,
  type IncidentKind,
} from './incidents';
export { breachedObjectives, type FleetActionResult, type ServiceSnapshot } from './report';
export type { SignalValues } from './model';
