/** The retained gateway status: "online" on every connect, "offline" on clean stop and as Last Will. */
import { CONTRACT_VERSION, type GatewayState, type StatusMessage } from './messages.js';

export const OFFLINE_REASON_CONNECTION_LOST = 'connection lost';
export const OFFLINE_REASON_STOPPED = 'stopped';

export function statusPayload(gateway: { mineId: string; gatewayId: string }, state: GatewayState, ts: number, reason?: string): string {
  const message: StatusMessage = { v: CONTRACT_VERSION, mine: gateway.mineId, gateway: gateway.gatewayId, state, ts };
  if (reason !== undefined) message.reason = reason;
  return JSON.stringify(message);
}
