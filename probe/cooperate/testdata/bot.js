'use strict';
// A bot as the seed's TypeScript bridge runs it, cooperating: it subscribes
// with ioredis, publishes seed-format events (no seq), and adds
// bridgescope-cooperate. For the Go test in probe/cli (cooperate_test.go).
const Redis = require('ioredis');
const { cooperate } = require('../index.js');

const url = process.env.REDIS_URL;
const id = process.env.BOT_ID || `ts-bot-${process.pid}`;
const channel = 'bridge:events';
const subscriber = new Redis(url, { connectionName: id });
const publisher = new Redis(url);

subscriber.subscribe(channel).then(() => {
  const coop = cooperate({ instanceId: id, subscriber, publisher, channels: [channel], role: 'bot' });
  subscriber.on('message', () => {}); // the bot's own handler
  const tick = setInterval(() => {
    const env = { type: 'ticker', data: { s: 'BTCUSDT' }, timestamp: Date.now(), source: id };
    publisher.publish(channel, JSON.stringify(env)).then(() => coop.published(channel));
  }, 200);
  console.log(`cooperating as ${id}`);
  const stop = async () => {
    clearInterval(tick);
    await coop.stop();
    subscriber.disconnect();
    publisher.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
