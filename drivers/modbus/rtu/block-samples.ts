/**
 * Turns the outcome of each read block into one sample per planned point. Same rules as the TCP
 * driver (kept separate rather than shared so neither transport's file has to change for the other):
 * a failed block gives every point of it a non-good quality and value null; an exception carries its
 * code; only a validated response is decoded.
 */
import type { Quality, Sample } from '../../../agent/model/sample.js';
import { decodePlannedPoint } from '../decode-point.js';
import type { ModbusResponse } from '../protocol/pdu.js';
import type { ReadBlock } from '../read-plan.js';

export type FailedBlock = { kind: 'failed'; quality: Quality; reason: string };
export type BlockOutcome = { kind: 'response'; response: ModbusResponse; receivedAt: number; mono: number } | FailedBlock;

export function blockSamples(
  deviceId: string,
  plan: readonly ReadBlock[],
  outcomes: ReadonlyArray<BlockOutcome | undefined>,
  now: { ts: number; mono: number },
): Sample[] {
  const samples: Sample[] = [];
  plan.forEach((block, index) => {
    const outcome = outcomes[index] ?? { kind: 'failed', quality: 'timeout', reason: 'not read' };
    for (const planned of block.points) {
      const base = { deviceId, pointId: planned.point.id };
      if (outcome.kind === 'failed') {
        samples.push({ ...base, value: null, quality: outcome.quality, ts: now.ts, mono: now.mono });
        continue;
      }
      const { response, receivedAt, mono } = outcome;
      if (response.kind === 'exception') {
        samples.push({ ...base, value: null, quality: 'exception', ts: receivedAt, mono, exceptionCode: response.exceptionCode });
        continue;
      }
      const decoded = decodePlannedPoint(planned, response);
      samples.push(
        decoded.ok
          ? { ...base, value: decoded.value, quality: 'good', ts: receivedAt, mono }
          : { ...base, value: null, quality: decoded.quality, ts: receivedAt, mono },
      );
    }
  });
  return samples;
}

export function allFailed(deviceId: string, pointIds: readonly string[], quality: Quality, now: { ts: number; mono: number }): Sample[] {
  return pointIds.map((pointId) => ({ deviceId, pointId, value: null, quality, ts: now.ts, mono: now.mono }));
}
