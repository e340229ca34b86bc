// The open records by Call-ID: one per leg (SPEC §9). A leg is named by Call-ID + the From-tag
// of its first initial INVITE; a B2BUA that keeps the Call-ID but writes its own From-tag makes a
// second leg, while a phone that changes its From-tag when it retries with credentials stays on
// its leg. A message goes to the leg of its From-tag (the caller's requests, every response),
// else of its To-tag (the callee's requests carry the caller's tag there).

import type { Dialog } from './dialog.ts';
import { WINDOW } from './timers.ts';

export class OpenLegs {
  private readonly byCallId = new Map<string, Dialog[]>();
  size = 0;

  get(callId: string): Dialog[] | undefined {
    return this.byCallId.get(callId);
  }

  add(d: Dialog): void {
    const l = this.byCallId.get(d.callId);
    if (l === undefined) this.byCallId.set(d.callId, [d]);
    else l.push(d);
    d.isOpen = true;
    this.size++;
  }

  /** False when d was not open. */
  remove(d: Dialog): boolean {
    if (!d.isOpen) return false;
    d.isOpen = false;
    this.size--;
    const l = this.byCallId.get(d.callId) as Dialog[];
    if (l.length === 1) this.byCallId.delete(d.callId);
    else l.splice(l.indexOf(d), 1);
    return true;
  }

  values(): Dialog[] {
    const out: Dialog[] = [];
    for (const l of this.byCallId.values()) for (const d of l) out.push(d);
    return out;
  }

  /** The highest leg number open for a Call-ID (0 none). */
  maxLeg(callId: string): number {
    let n = 0;
    for (const d of this.byCallId.get(callId) ?? []) if (d.leg > n) n = d.leg;
    return n;
  }
}

/** The open leg announced by `tag` (its From-tag, or one it took on an auth retry). */
export function legByTag(legs: Dialog[], tag: string): Dialog | undefined {
  if (tag === '') return undefined;
  for (let i = 0; i < legs.length; i++) if (legs[i].callerTags.includes(tag)) return legs[i];
  return undefined;
}

/** The leg an initial INVITE with a From-tag of no leg continues: one whose setup was just
 *  challenged (401/407 less than 32 s ago) and that sent no INVITE since — a phone retrying
 *  with credentials under a new tag. */
export function challengedLeg(legs: Dialog[], t: number): Dialog | undefined {
  for (let i = legs.length - 1; i >= 0; i--) {
    const d = legs[i];
    if (d.kind === 'call' && d.challengedAt !== null && t - d.challengedAt < WINDOW) return d;
  }
  return undefined;
}
