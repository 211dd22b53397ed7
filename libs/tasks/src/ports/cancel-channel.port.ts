/**
 * Tells the workers that a client cancelled a running task. Delivery is best
 * effort (the Redis pub/sub adapter in messaging): a running task also polls
 * the task's `cancel_requested_at`, so a lost message only delays the cancel.
 */
export interface CancelChannel {
  publish(taskId: string): Promise<void>;
}

export interface CancelSubscription {
  close(): Promise<void>;
}

/** The worker's side: `onCancel` for each published task id. */
export interface CancelListener {
  subscribe(onCancel: (taskId: string) => void): Promise<CancelSubscription>;
}
