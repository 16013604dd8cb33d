export { DemoFleet, DEFAULT_STEP_MS, MAX_POINTS, type DemoFleetOptions, type ServiceState } from './fleet';
export { FLEET_ACTION_KINDS, type FleetAction, type FleetActionKind, type RecordedFleetAction } from './actions';
export { DEMO_SERVICES, DEMO_SERVICE_NAMES, MAX_REPLICAS, MIN_REPLICAS, type DemoServiceSpec } from './catalog';
export { DEMO_EVENT_KINDS, type DemoEvent, type DemoEventKind } from './events';
export { FAULT_KINDS, LEAK_CLIMB_MS, type DemoFaultSpec, type FaultKind, type FaultStart } from './faults';
export { SPREAD, SPREAD_LAG_MS } from './model';
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
