/** mqtt.js's own log: off (a no-op, no per-call cost) unless DEBUG asks for it. */
import { describe, expect, it } from 'vitest';
import { clientOptions, mqttDebugWanted } from '../../agent/upstream/client-options.js';
import { mqttSchema } from '../../config/schema.js';

describe('mqtt.js logging', () => {
  const mqtt = mqttSchema.parse({ url: 'mqtt://127.0.0.1:1883' });
  const gateway = { mineId: 'm', gatewayId: 'g' };
  const will = { topic: 't', payload: 'offline' };

  it('is a no-op unless DEBUG asks for mqtt.js', () => {
    expect(mqttDebugWanted(undefined)).toBe(false);
    expect(mqttDebugWanted('express:*,mqtt-packet:*')).toBe(false);
    expect(mqttDebugWanted('-mqttjs*')).toBe(false);
    for (const debug of ['*', 'mqttjs*', 'mqttjs:*', 'mqttjs:client', 'foo, mqttjs*']) expect(mqttDebugWanted(debug), debug).toBe(true);
  });

  it('passes the no-op to mqtt.js, and leaves mqtt.js its own logger when DEBUG wants it', () => {
    const saved = process.env.DEBUG;
    try {
      delete process.env.DEBUG;
      const quiet = clientOptions(mqtt, gateway, will).log;
      expect(typeof quiet).toBe('function');
      expect(quiet!('connect', { any: 'thing' })).toBeUndefined();
      process.env.DEBUG = 'mqttjs*';
      expect(clientOptions(mqtt, gateway, will).log).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });
});
