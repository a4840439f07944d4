'use strict';
// bridgescope-cooperate: makes a bot on the seed's TypeScript RedisEventBridge
// a cooperating bridgescope instance. It watches the bot's subscriber for
// bridgescope's probes and acks each on the control channel, and every
// interval publishes a stats report: what the bot received per (source, boot,
// channel) stream, with gaps, duplicates, late arrivals and one-way latency.
// The wire format is bridgescope's (DESIGN.md, "Wire format"); nothing but
// ioredis (the bot's own clients) and node's built-ins is used.

const crypto = require('node:crypto');

const WIRE = { probe: 'bridgescope.probe', ack: 'bridgescope.ack', stats: 'bridgescope.stats' };

// Bounds, as the Go agent's (probe/decode.go): a report lists the 64 busiest
// streams and sums the rest; the tracker follows at most 4096 streams; the
// seq window tells late from duplicate over 1024 seqs; latency samples per
// stream and interval are capped so a flood costs bounded memory.
const MAX_REPORT_STREAMS = 64;
const MAX_STREAMS = 4096;
const SEQ_WINDOW = 1024;
const MAX_SAMPLES = 4096;
const MAX_REPORT_CHANNELS = 64;

// Wall-clock nanoseconds: Date.now() fixes the epoch once, hrtime the rest.
const EPOCH_NS = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
const nowNs = () => EPOCH_NS + process.hrtime.bigint();

function cooperate(opts) {
  const id = String(opts.instanceId);
  const sub = opts.subscriber;
  const pub = opts.publisher;
  if (!id || !sub || !pub) throw new Error('bridgescope-cooperate: instanceId, subscriber and publisher are required');
  const channels = (opts.channels || ['bridge:events']).slice(0, MAX_REPORT_CHANNELS);
  const ctl = (opts.prefix || 'bridge:') + 'bridgescope';
  const role = opts.role || 'bot';
  const intervalMs = opts.intervalMs || 1000;
  const key = opts.controlKey ? Buffer.from(opts.controlKey) : null;
  const onError = opts.onError || (() => {});
  const boot = crypto.randomBytes(4).toString('hex');
  let ctlSeq = 0;
  let stopped = false;

  const c = { received: 0, selfReceived: 0, collisions: 0, errors: 0, reconnects: 0, malformed: 0,
    gaps: 0, duplicates: 0, late: 0, acks: 0 };
  const publishedBy = new Map();
  const streams = new Map(); // "source\0boot\0channel" → stream, least recently seen first

  // envelope writes a message as the Go bridge does, sentNs exact (a BigInt),
  // and signs it when there is a key: HMAC-SHA256 of the unsigned message as
  // a last "sig" member.
  function envelope(type, dataJSON) {
    const t = nowNs();
    let msg = `{"type":${JSON.stringify(type)},"data":${dataJSON},"timestamp":${t / 1000000n},` +
      `"source":${JSON.stringify(id)},"seq":${++ctlSeq},"boot":"${boot}","sentNs":${t}}`;
    if (key) {
      const sig = crypto.createHmac('sha256', key).update(msg).digest('hex');
      msg = msg.slice(0, -1) + `,"sig":"${sig}"}`;
    }
    return msg;
  }

  // send publishes on the control channel; it resolves false on an error
  // (counted, and handed to onError), never rejects.
  function send(type, dataJSON) {
    return pub.publish(ctl, envelope(type, dataJSON)).then(() => true, (err) => { c.errors++; onError(err); return false; });
  }

  // signedOK checks a probe's signature when there is a key.
  function signedOK(payload) {
    if (!key) return true;
    const m = /,"sig":"([0-9a-f]{64})"}$/.exec(payload);
    if (!m) return false;
    const want = crypto.createHmac('sha256', key).update(payload.slice(0, m.index) + '}').digest();
    return crypto.timingSafeEqual(want, Buffer.from(m[1], 'hex'));
  }

  function stream(k) {
    let s = streams.get(k);
    if (s) {
      streams.delete(k); // re-inserted: most recently seen last
    } else {
      if (streams.size >= MAX_STREAMS) streams.delete(streams.keys().next().value);
      s = { max: 0, seen: new Set(), received: 0, gaps: 0, dups: 0, late: 0, lat: [] };
    }
    streams.set(k, s);
    return s;
  }

  // observe follows one stream's seq as bridgescope's tracker does: a gap
  // is provisional loss, a late arrival fills it, a repeat is a duplicate.
  function observe(s, seq) {
    if (seq > s.max) {
      if (s.max > 0) { s.gaps += seq - s.max - 1; c.gaps += seq - s.max - 1; }
      s.max = seq;
      s.seen.add(seq);
      if (s.seen.size > 2 * SEQ_WINDOW) for (const q of s.seen) if (q <= s.max - SEQ_WINDOW) s.seen.delete(q);
    } else if (s.max - seq >= SEQ_WINDOW || s.seen.has(seq)) {
      s.dups++; c.duplicates++;
      return false;
    } else {
      s.seen.add(seq);
      s.late++; c.late++;
      if (s.gaps > 0) { s.gaps--; c.gaps--; }
    }
    s.received++;
    return true;
  }

  function onMessage(channel, payload, recvNs) {
    let env;
    try { env = JSON.parse(payload); } catch { c.malformed++; return; }
    if (!env || typeof env.type !== 'string' || env.source === undefined) { c.malformed++; return; }
    const source = String(env.source);
    if (source === id && env.boot === boot) return; // our own echo
    if (env.type === WIRE.probe) {
      if (stopped || !signedOK(payload)) return;
      const probe = { source, boot: String(env.boot || ''), seq: Number(env.seq) || 0, channel };
      send(WIRE.ack, `{"probe":${JSON.stringify(probe)},"recvNs":${recvNs}}`).then((ok) => { if (ok) c.acks++; });
      return;
    }
    if (env.type.startsWith('bridgescope.')) return; // other control traffic
    if (source === id) { c.collisions++; c.selfReceived++; }
    const seq = Number(env.seq);
    if (Number.isSafeInteger(seq) && seq > 0 && source !== id) {
      const s = stream(`${source}\0${String(env.boot || '')}\0${channel}`);
      if (!observe(s, seq)) return;
      const sent = typeof env.sentNs === 'number' ? BigInt(Math.round(env.sentNs)) : null;
      // The raw figure lost to float64 in JSON.parse is below a microsecond:
      // sentNs near 1.76e18 keeps 256 ns.
      if (sent && s.lat.length < MAX_SAMPLES) s.lat.push(Number(recvNs - sent) / 1000);
    }
    c.received++;
  }

  const onMsg = (channel, message) => onMessage(channel, message, nowNs());
  const onPmsg = (_pattern, channel, message) => onMessage(channel, message, nowNs());
  let readyOnce = false;
  const onReady = () => { if (readyOnce) c.reconnects++; readyOnce = true; };
  if (sub.status === 'ready') readyOnce = true;
  sub.on('message', onMsg);
  sub.on('pmessage', onPmsg);
  sub.on('ready', onReady);

  function quantile(sorted, q) { return sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]; }

  function report(final) {
    const all = [...streams.entries()].sort((a, b) => b[1].received - a[1].received);
    const listed = [];
    let other = null;
    for (const [k, s] of all) {
      if (listed.length < MAX_REPORT_STREAMS) {
        const [source, sboot, channel] = k.split('\0');
        const e = { source, boot: sboot, channel, maxSeq: s.max, received: s.received, gaps: s.gaps,
          duplicates: s.dups, late: s.late };
        if (s.lat.length > 0) {
          const v = s.lat.sort((x, y) => x - y);
          e.latencyUs = { n: v.length, p50: quantile(v, 50), p95: quantile(v, 95), p99: quantile(v, 99), max: v[v.length - 1] };
        }
        listed.push(e);
      } else {
        other = other || { streams: 0, received: 0, gaps: 0, duplicates: 0, late: 0 };
        other.streams++; other.received += s.received; other.gaps += s.gaps; other.duplicates += s.dups; other.late += s.late;
      }
      s.lat = [];
    }
    let published = 0;
    const publishedChannels = [];
    for (const [channel, n] of publishedBy) {
      published += n;
      if (publishedChannels.length < MAX_REPORT_CHANNELS) publishedChannels.push({ channel, published: n });
    }
    const r = { role, intervalMs, state: sub.status === 'ready' ? 'connected' : 'disconnected', published,
      publishErrors: 0, ...c, drops: 0, channels, publishedChannels, streams: listed };
    if (final) r.final = true;
    if (other) r.other = other;
    return send(WIRE.stats, JSON.stringify(r));
  }

  report(false); // at once: watch sees the instance join
  const timer = setInterval(() => report(false), intervalMs);
  if (timer.unref) timer.unref();

  return {
    published(channel) { publishedBy.set(channel, (publishedBy.get(channel) || 0) + 1); },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      sub.off('message', onMsg);
      sub.off('pmessage', onPmsg);
      sub.off('ready', onReady);
      await report(true);
    },
  };
}

module.exports = { cooperate, WIRE };
