/** RequestSlots: a free slot is taken without a promise, the rest wait in arrival order, the wait is bounded. */
import { describe, expect, it } from 'vitest';
import { RequestSlots } from '../../drivers/modbus/request-slots.js';

describe('request slots', () => {
  it('takes a free slot at once (nothing to await), and passes a released slot to the first waiter', async () => {
    const slots = new RequestSlots(1, 2);
    expect(slots.acquire()).toBeNull();
    const order: string[] = [];
    const a = slots.acquire()!.then(() => order.push('a'));
    const b = slots.acquire()!.then(() => order.push('b'));
    await expect(slots.acquire()).rejects.toThrow('2 requests already waiting');
    slots.release(); // to a
    await a;
    expect(order).toEqual(['a']);
    slots.release(); // to b
    await b;
    slots.release(); // free again
    expect(slots.acquire()).toBeNull();
  });

  it('run() holds a slot for the task and frees it when the task fails', async () => {
    const slots = new RequestSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('device said no')))).rejects.toThrow('device said no');
    expect(slots.acquire()).toBeNull(); // released by the failed task
    let running = 0;
    let most = 0;
    slots.release();
    await Promise.all(
      [1, 2, 3].map(() =>
        slots.run(async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
