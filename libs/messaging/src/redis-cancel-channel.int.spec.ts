// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisCancelChannel, RedisCancelListener } from './redis-cancel-channel';

describe('Redis cancel channel adapter (real Redis)', () => {
  it('delivers what the channel publishes to every listener until it closes', async () => {
    const url = process.env['REDIS_URL']!;
    const publisher = new Redis(url);
    const channel = new RedisCancelChannel(publisher);
    const seen: string[][] = [[], []];
    const subscriptions = await Promise.all(seen.map((list) => new RedisCancelListener(url).subscribe((id) => list.push(id))));
    try {
      const id = randomUUID();
      await channel.publish(id);
      const deadline = Date.now() + 5000;
      while (seen.some((l) => l.length === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toEqual([[id], [id]]);
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
      await publisher.quit();
    }
  });
});
