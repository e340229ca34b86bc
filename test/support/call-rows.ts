// The filter facts of a hand-made page row (web/worker-protocol.ts CallRow), from its own fields,
// for tests that build rows without a record.

import type { FilterFacts } from '../../shared/filter.ts';
import { splitEndpoint } from '../../shared/addr.ts';
import type { CallRow } from '../../web/worker-protocol.ts';

export function rowFacts(r: Partial<CallRow>): FilterFacts {
  const ends = [r.src, r.dst].filter((x): x is string => !!x).map(splitEndpoint);
  return {
    callId: r.callId ?? '',
    from: r.from ?? '',
    to: r.to ?? '',
    uas: [r.uac ?? '', r.uas ?? ''].filter((x) => x !== ''),
    addresses: ends.map((e) => e.ip),
    ports: ends.map((e) => e.port),
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
    start: r.start ?? 0,
  };
}
