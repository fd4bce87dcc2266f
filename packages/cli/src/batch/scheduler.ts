/**
 * Which VM runs when. The rule:
 *
 * - Groups form stages in file order. A group starts a new stage unless it
 *   says `concurrent: true`, in which case it joins the stage of the group
 *   before it. A stage starts when every VM of the previous stage has ended
 *   (converted, failed or blocked: a failure does not hold back later stages).
 * - Within a stage, VMs start in file order; a group never has more than its
 *   `parallel` VMs running, and the whole batch never more than `cap`.
 */
export interface SchedulableGroup<T> {
  parallel: number;
  concurrent: boolean;
  items: T[];
}

/** Groups split into stages that run one after the other. */
export function stagesOf<G extends { concurrent: boolean }>(groups: G[]): G[][] {
  const stages: G[][] = [];
  for (const group of groups) {
    const last = stages.at(-1);
    if (group.concurrent && last) last.push(group);
    else stages.push([group]);
  }
  return stages;
}

/**
 * Runs `work` for every item under the limits above. `work` must not throw
 * (a VM's failure is its result); `shouldStart` lets the caller stop
 * launching new items (e.g. on SIGINT) while running ones finish.
 */
export async function runScheduled<T>(
  groups: SchedulableGroup<T>[],
  cap: number,
  work: (item: T) => Promise<void>,
  shouldStart: () => boolean = () => true,
): Promise<void> {
  for (const stage of stagesOf(groups)) {
    const queues = stage.map((group) => ({ group, next: 0, running: 0 }));
    let running = 0;
    await new Promise<void>((resolveStage) => {
      const pump = (): void => {
        for (const queue of queues) {
          while (running < cap && queue.running < queue.group.parallel && queue.next < queue.group.items.length && shouldStart()) {
            const item = queue.group.items[queue.next++]!;
            queue.running++;
            running++;
            void work(item).finally(() => {
              queue.running--;
              running--;
              pump();
            });
          }
        }
        if (running === 0) resolveStage();
      };
      pump();
    });
  }
}
