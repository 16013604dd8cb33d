import type { CancelOutcome, JobDefs, JobInfo, JobName, JobQueue, JobState, Processors, WorkOptions } from './types';

/**
 * Two queues behind one JobQueue: jobs named in `controlNames` (remediation: its state lives in
 * the control plane's store) go to `control`, which only control-plane processes (`serve`,
 * `chat`) work; everything else goes to `main`, which `worker` processes on other machines work
 * too. Readers (get, list, events, waiting) see both, so chat and REST follow any job the same way.
 */
export function routeQueues<M extends JobDefs>(
  main: JobQueue<M>,
  control: JobQueue<M>,
  controlNames: ReadonlySet<JobName<M>>,
  options: { controlPlane: boolean },
): JobQueue<M> {
  const forName = (name: JobName<M>) => (controlNames.has(name) ? control : main);
  const pick = <K extends keyof Processors<M>>(processors: Processors<M>, keep: (name: K) => boolean) =>
    Object.fromEntries(Object.entries(processors).filter(([name]) => keep(name as K))) as Processors<M>;
  const owner = async (id: string) => ((await control.get(id)) ? control : main);
  return {
    backend: main.backend,
    add: (name, data, addOptions) => forName(name).add(name, data, addOptions),
    async get(id) {
      return (await main.get(id)) ?? control.get(id);
    },
    async list(listOptions) {
      const [a, b] = await Promise.all([main.list(listOptions), control.list(listOptions)]);
      const all = [...a, ...b].sort((x, y) => y.createdAt - x.createdAt);
      return listOptions?.limit ? all.slice(0, listOptions.limit) : all;
    },
    async cancel(id, reason): Promise<CancelOutcome> {
      return (await owner(id)).cancel(id, reason);
    },
    async counts() {
      const [a, b] = await Promise.all([main.counts(), control.counts()]);
      return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as JobState] + b[k as JobState]])) as Record<
        JobState,
        number
      >;
    },
    /**
     * Each queue is worked only for the processors given here: none for a queue, no worker on it (it would take jobs
     * it cannot run).
     */
    async work(processors, workOptions?: WorkOptions) {
      const general = pick(processors, (name) => !controlNames.has(name as JobName<M>));
      const controlled = pick(processors, (name) => controlNames.has(name as JobName<M>));
      if (Object.keys(general).length) await main.work(general, workOptions);
      if (options.controlPlane && Object.keys(controlled).length) await control.work(controlled, workOptions);
    },
    on(event, listener) {
      const offs = [main.on(event, listener), control.on(event, listener)];
      return () => offs.forEach((off) => off());
    },
    async waitUntilFinished(id, timeoutMs): Promise<JobInfo<M>> {
      return (await owner(id)).waitUntilFinished(id, timeoutMs);
    },
    async check() {
      await Promise.all([main.check(), control.check()]);
    },
    async close(closeOptions) {
      await Promise.all([main.close(closeOptions), control.close(closeOptions)]);
    },
  };
}
