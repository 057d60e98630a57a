import type { CorrectionProcessDeps } from "../usecases/office-corrections.ts";
import { sendAcknowledgement } from "../usecases/send-ack.ts";
import type { Runtime } from "./runtime.ts";

/** Processing as the process worker does it, acknowledgement included, for CLI commands. */
export function processDepsOf(rt: Runtime): CorrectionProcessDeps {
  const ackDeps = { repos: rt.repos, config: rt.config, clock: rt.clock, queue: rt.outgoingQueue };
  return {
    repos: rt.repos,
    store: rt.store,
    config: rt.config,
    clock: rt.clock,
    logger: rt.logger,
    loadUnits: rt.loadUnits,
    registryChanged: rt.registryChanged,
    onReportRecorded: rt.config.acknowledgements.enabled
      ? async (messageId) => {
          await sendAcknowledgement(ackDeps, messageId);
        }
      : undefined,
  };
}
