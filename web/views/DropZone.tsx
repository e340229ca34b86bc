// Where captures come in: the page's one file input (the "Choose files…" buttons are labels for
// it, so it keeps its files whichever of them is shown), the landing box of an empty page, and
// the strip that replaces it once a capture is loaded. Dropping works anywhere on the page.

export function FileInput({ onFiles }: { onFiles(files: FileList | null): void }) {
  return (
    <input
      id="file-input"
      className="file-input"
      type="file"
      multiple
      data-testid="file-input"
      aria-label="Choose capture files"
      onChange={(e) => {
        onFiles(e.currentTarget.files);
        e.currentTarget.value = ''; // choosing the same file again reads it again
      }}
    />
  );
}

/** `landing`: the large box of the empty page; otherwise the strip in the header. `over`: files are dragged over the page. */
export function DropZone({ landing, over }: { landing: boolean; over: boolean }) {
  if (landing) {
    return (
      <div className={over ? 'landing drop-zone over' : 'landing drop-zone'} data-testid="drop-zone">
        <h2>Drop packet captures here</h2>
        <p>pcap, pcapng or gzip — several files are read as one capture, in the order given.</p>
        <label className="button primary" htmlFor="file-input">
          Choose files…
        </label>
        <p className="note">Nothing is uploaded: the files are read by this page, in your browser, and nothing leaves this machine.</p>
      </div>
    );
  }
  return (
    <div className={over ? 'drop-strip drop-zone over' : 'drop-strip drop-zone'} data-testid="drop-zone">
      <span>Drop captures here or</span>
      <label className="button" htmlFor="file-input">
        Choose files…
      </label>
    </div>
  );
}
