// The filter facts of a hand-made page row (web/worker-protocol.ts CallRow), from its own fields,
// for tests that build rows without a record.

import type { FilterFacts } from '../../shared/filter.ts';
import type { CallRow } from '../../web/worker-protocol.ts';

const split = (hostPort: string | undefined): [string, number] | null => {
  if (!hostPort) return null;
  const c = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, c).replace(/^\[|\]$/g, ''), Number(hostPort.slice(c + 1))];
};

export function rowFacts(r: Partial<CallRow>): FilterFacts {
  const ends = [split(r.src), split(r.dst)].filter((x): x is [string, number] => x !== null);
  return {
    callId: r.callId ?? '',
    from: r.from ?? '',
    to: r.to ?? '',
    uas: [r.uac ?? '', r.uas ?? ''].filter((x) => x !== ''),
    addresses: ends.map((e) => e[0]),
    ports: ends.map((e) => e[1]),
    code: r.code ?? 0,
    reason: null,
    cause: r.cause ?? 0,
    state: r.state ?? '',
    codecs: (r.codecs ?? '').split(';').filter((c) => c !== ''),
    method: 'INVITE',
    verdicts: [...(r.verdicts ?? [])],
    mos: r.mos ?? null,
    loss: null,
    jitter: null,
    duration: r.duration ?? null,
    setup: r.setup ?? null,
    leg: r.leg ?? 1,
    group: r.callGroup ?? r.callId ?? '',
  };
}
