import type Redis from 'ioredis';

export interface CooperateOptions {
  /** The bridge's instance ID: the `source` of its events. */
  instanceId: string;
  /** The ioredis client the bridge subscribes with (its 'message' events are watched, nothing is subscribed). */
  subscriber: Redis;
  /** An ioredis client not in subscriber mode: acks and stats reports are published with it. */
  publisher: Redis;
  /** The channels (and patterns) the bridge subscribes to; default ['bridge:events']. */
  channels?: string[];
  /** Channel prefix; the control channel is prefix + 'bridgescope'. Default 'bridge:'. */
  prefix?: string;
  /** Shown on the dashboard; default 'bot'. */
  role?: string;
  /** Between stats reports; default 1000. */
  intervalMs?: number;
  /** The shared control key (--control-key-file's bytes): control messages are then signed and probes checked. */
  controlKey?: Buffer | string;
  /** Called with errors publishing acks or reports; default: ignored (counted as errors). */
  onError?: (err: Error) => void;
}

export interface Cooperation {
  /** Count an event the bot published on channel (the seed's bridge publishes without seq). */
  published(channel: string): void;
  /** Stop reporting; sends a final report, so watch marks the instance as left. */
  stop(): Promise<void>;
}

export function cooperate(opts: CooperateOptions): Cooperation;
export const WIRE: { probe: string; ack: string; stats: string };
