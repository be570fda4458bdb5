/** Why a run was stopped from outside; carried as the AbortSignal's reason. */
export interface StopReason {
  kind: "cancelled" | "superseded" | "timed-out";
  message: string;
}

export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const reason = signal.reason as Partial<StopReason> | undefined;
  if (reason && (reason.kind === "cancelled" || reason.kind === "superseded" || reason.kind === "timed-out")) {
    return { kind: reason.kind, message: reason.message ?? reason.kind };
  }
  return { kind: "cancelled", message: "cancelled" };
}
