/** `dependency_graph`: who calls whom (the services catalog's `depends_on`). */
import { z } from 'zod';
import { AppError } from '../../errors';
import type { MetricsSource } from '../../sources/types';
import type { Tool } from '../types';
import { serviceName } from './common';

/** At most this many services in the whole-graph answer. */
export const GRAPH_MAX_SERVICES = 200;

const input = z.strictObject({
  service: serviceName.optional().describe('One service (its callers and callees); absent: the whole graph'),
});

export function dependencyGraphTool(source: MetricsSource): Tool<typeof input> {
  return {
    name: 'dependency_graph',
    description:
      'The dependency graph from the services catalog: for one service, the services it calls (callees) and the ' +
      'services that call it (callers); without a service, every service and what it calls.',
    input,
    permission: 'read',
    async run(args) {
      const services = await source.services();
      const calls = new Map(services.map((s) => [s.name, s.dependsOn]));
      const callersOf = (name: string) => services.filter((s) => (s.dependsOn ?? []).includes(name)).map((s) => s.name);
      if (args.service === undefined) {
        const shown = services.slice(0, GRAPH_MAX_SERVICES);
        const edges = shown.reduce((n, s) => n + (s.dependsOn?.length ?? 0), 0);
        return {
          data: {
            services: shown.map((s) => ({ service: s.name, callees: s.dependsOn ?? null })),
            truncated: services.length > shown.length,
          },
          summary: `${services.length} services, ${edges} dependencies` + (edges === 0 ? ' (none declared)' : ''),
        };
      }
      if (!calls.has(args.service))
        throw new AppError(
          'not_found',
          `Unknown service “${args.service}”; known: ${services.map((s) => s.name).join(', ')}.`,
        );
      const callees = calls.get(args.service);
      const callers = callersOf(args.service);
      const calleeWords = callees === undefined ? 'unknown services (no depends_on)' : callees.join(', ') || 'nothing';
      return {
        data: { service: args.service, callees: callees ?? null, callers, known: callees !== undefined },
        summary: `${args.service} calls ${calleeWords}; called by ${callers.join(', ') || 'no one'}`,
      };
    },
  };
}
