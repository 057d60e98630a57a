import { queueOutgoing } from "../adapters/queue/enqueue.ts";
import type { CorrectionProcessDeps } from "../usecases/office-corrections.ts";
import { queuedRows, sendAcknowledgement } from "../usecases/send-ack.ts";
import type { Runtime } from "./runtime.ts";

/** Processing as the process worker does it, acknowledgement included, for CLI commands. */
export function processDepsOf(rt: Runtime): CorrectionProcessDeps {
  return {
    repos: rt.repos,
    store: rt.store,
    config: rt.config,
    clock: rt.clock,
    logger: rt.logger,
    loadUnits: rt.loadUnits,
    registryChanged: rt.registryChanged,
    // The acknowledgement's row is written in the transaction that logs the report (queue null:
    // only the row); the job is added once that transaction has committed.
    acknowledgement: rt.config.acknowledgements.enabled
      ? {
          write: async (repos, messageId) => {
            const ack = await sendAcknowledgement(
              { repos, config: rt.config, clock: rt.clock, queue: null, logger: rt.logger },
              messageId,
            );
            return queuedRows(ack);
          },
          queue: (outboxId) => queueOutgoing(rt.outgoingQueue, outboxId),
        }
      : undefined,
  };
}
