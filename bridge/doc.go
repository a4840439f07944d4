// Package bridge is the Redis pub/sub event bridge: it publishes and receives
// the seed's JSON envelopes, filters its own echoes and accounts for every message.
//
// It is the Go port of the seed's TypeScript RedisEventBridge, wire-compatible
// with it, and adds what the seed could not see: per-stream sequence numbers
// (loss, duplicates, reordering), a boot ID that tells an instance-ID collision
// from a restart, nanosecond send times, a liveness check on the subscription
// connection and counted reasons for every malformed message.
package bridge
