// SIP port hints. SIP is recognised on any port by its start line; the hints only allow the
// costlier searches (a SIP message starting inside a TCP segment of a stream seen mid-way).

const MAX_PORTS: u32 = 32;
let ports: usize = 0;
let nPorts: u32 = 0;

export function initPorts(): void {
  ports = heap.alloc(MAX_PORTS * 4);
  nPorts = 0;
  addSipPort(5060);
  addSipPort(5080);
}

export function addSipPort(port: u32): void {
  if (nPorts >= MAX_PORTS || isSipPort(port)) return;
  store<u32>(ports + ((<usize>nPorts) << 2), port);
  nPorts++;
}

export function isSipPort(port: u32): bool {
  for (let i: u32 = 0; i < nPorts; i++) {
    if (load<u32>(ports + ((<usize>i) << 2)) == port) return true;
  }
  return false;
}
