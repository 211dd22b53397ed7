/**
 * Restarts a MongoDB server monitor whose heartbeat never ends.
 *
 * Why: the driver (mongodb 7.x, under mongoose 9) can wedge a server monitor for good when the
 * server closes its connections. When a pooled connection fails, the driver asks the monitor for
 * an immediate check in the same tick; if the monitor's own socket has just been ended by the
 * server (the 'end' event is in, 'close' is not yet), its `hello` is written to a socket Node has
 * already destroyed: `write()` returns false, the driver awaits a 'drain' that never comes, and
 * neither socketTimeoutMS (the socket is gone) nor any close handler ends the wait. The monitor
 * stays "monitoring" forever, the server stays Unknown with the old error, and every operation
 * fails server selection ("connection N ... closed", the same N each time) while a new client
 * works. It hits servers without `topologyVersion` (polling monitors: FerretDB, and any server
 * when the driver polls, e.g. serverMonitoringMode=poll or FaaS); the driver's own monitor reset
 * on network errors only runs when the server sent a topologyVersion.
 *
 * How: the public SDAM heartbeat events tell when a check started and ended. A check is stuck when
 *  - its monitoring connection is already closed on two looks in a row (a live check on a closed
 *    connection fails within a tick or two, so this catches the case above within ~2 s), or
 *  - it outlived the driver's own timeouts: connect + handshake (2 x connectTimeoutMS) for a new
 *    monitoring connection, plus maxAwaitTimeMS (heartbeatFrequencyMS) for a streaming check, plus
 *    a grace (the generic bound, for a wedge whose connection does not look closed).
 * The watchdog then closes and reconnects that server's monitor, which opens a fresh monitoring
 * connection, and reports it through onStall.
 */
import type mongoose from 'mongoose';

type MongoClient = mongoose.mongo.MongoClient;

/** Extra time on top of the driver's own bound before a heartbeat counts as stuck. */
const GRACE_MS = 2000;

export interface MonitorStall {
  /** `host:port` of the server whose monitor was stuck. */
  address: string;
  /** How long its heartbeat had been in flight. */
  stalledMs: number;
  /** False when the driver's monitor could not be reached or was no longer mid-check (then nothing was restarted). */
  restarted: boolean;
}

export interface MonitorWatchdogOptions {
  connectTimeoutMS: number;
  heartbeatFrequencyMS: number;
  /** How often to look for stuck heartbeats. Default 1000. */
  checkEveryMs?: number;
  onStall?: (stall: MonitorStall) => void;
}

interface InFlight {
  since: number;
  awaited: boolean;
  /** Its monitoring connection was seen closed at the previous look. */
  closedSeen: boolean;
}

/** The part of the driver's internal Monitor the watchdog uses (stable across driver 5.x-7.x). */
interface RestartableMonitor {
  s?: { state?: unknown };
  connection?: { closed?: unknown } | null;
  close(): void;
  connect(): void;
}

/**
 * Watches `client`'s server monitors and restarts any whose heartbeat outlives the driver's own
 * timeouts. Returns a function that stops watching.
 */
export function watchServerMonitors(client: MongoClient, options: MonitorWatchdogOptions): () => void {
  const { connectTimeoutMS, heartbeatFrequencyMS, checkEveryMs = 1000, onStall } = options;
  const inFlight = new Map<string, InFlight>();

  const onStarted = (e: mongoose.mongo.ServerHeartbeatStartedEvent) =>
    inFlight.set(e.connectionId, { since: Date.now(), awaited: e.awaited, closedSeen: false });
  const onEnded = (e: mongoose.mongo.ServerHeartbeatSucceededEvent | mongoose.mongo.ServerHeartbeatFailedEvent) => inFlight.delete(e.connectionId);
  client.on('serverHeartbeatStarted', onStarted);
  client.on('serverHeartbeatSucceeded', onEnded);
  client.on('serverHeartbeatFailed', onEnded);

  const timer = setInterval(() => {
    const now = Date.now();
    for (const [address, hb] of inFlight) {
      const limitMs = 2 * connectTimeoutMS + (hb.awaited ? heartbeatFrequencyMS : 0) + GRACE_MS;
      const stalledMs = now - hb.since;
      const closedNow = findMonitor(client, address)?.connection?.closed === true;
      const onClosedConnection = closedNow && hb.closedSeen;
      hb.closedSeen = closedNow;
      if (stalledMs <= limitMs && !onClosedConnection) continue;
      inFlight.delete(address);
      const restarted = restartMonitor(client, address);
      onStall?.({ address, stalledMs, restarted });
    }
  }, checkEveryMs);
  timer.unref();

  return () => {
    clearInterval(timer);
    client.off('serverHeartbeatStarted', onStarted);
    client.off('serverHeartbeatSucceeded', onEnded);
    client.off('serverHeartbeatFailed', onEnded);
    inFlight.clear();
  };
}

/** Closes and reconnects the driver's monitor for `address`; false when it cannot be found. */
function restartMonitor(client: MongoClient, address: string): boolean {
  const monitor = findMonitor(client, address);
  if (!monitor || typeof monitor.close !== 'function' || typeof monitor.connect !== 'function') return false;
  // Only a monitor that is still mid-check is stuck; a closed one belongs to a closed client.
  if (monitor.s?.state !== undefined && monitor.s.state !== 'monitoring') return false;
  // close() cancels the stuck check's timers and destroys its connection; connect() starts an
  // immediate check on a new connection. The abandoned check's promise never settles: it only
  // holds references to the already destroyed socket.
  monitor.close();
  monitor.connect();
  return true;
}

/** The driver's internal monitor of `address`, reached defensively: if an upgrade moves it, the watchdog falls back to the time bound and only reports. */
function findMonitor(client: MongoClient, address: string): Partial<RestartableMonitor> | undefined {
  const internals = client as unknown as { topology?: { s?: { servers?: Map<string, { monitor?: unknown }> } } };
  const monitor = internals.topology?.s?.servers?.get(address)?.monitor;
  return typeof monitor === 'object' && monitor !== null ? (monitor as Partial<RestartableMonitor>) : undefined;
}
