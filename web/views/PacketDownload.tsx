// A button that saves calls' frames — SIP, RTP and RTCP, byte for byte as captured — as a pcapng
// file (SPEC §10): one call, the legs of its call, or every call the list shows. The worker reads
// the capture again to find them (shared/extract.ts); the button says so meanwhile.

import type { PacketScope } from '../state/page-state.ts';

const TIPS: Record<PacketScope, string> = {
  call: "this call's frames (SIP, RTP, RTCP) as captured, as pcapng: `sipscope extract FILE --filter 'call-id=…' -o X.pcapng`",
  group: 'the frames of every leg of this call, as pcapng',
  list: 'the packets (SIP, RTP, RTCP) of every call the list shows (its filter), as pcapng: `sipscope extract FILE --filter EXPR -o X.pcapng`',
};

export function PacketDownload({
  scope,
  label,
  enabled,
  preparing,
  onDownload,
}: {
  scope: PacketScope;
  label: string;
  enabled: boolean;
  preparing: boolean;
  onDownload(): void;
}) {
  return (
    <button
      type="button"
      className="packets"
      title={TIPS[scope]}
      disabled={!enabled || preparing}
      aria-busy={preparing}
      data-testid={`packets-${scope}`}
      onClick={onDownload}
    >
      ⤓ {label}
      {preparing ? ' (preparing…)' : ''}
    </button>
  );
}
